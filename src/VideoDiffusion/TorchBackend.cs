using TorchSharp;

namespace VideoDiffusion;

/// <summary>
/// Checks once that TorchSharp's native backend can be loaded, and turns a failure into an exception that
/// tells the user which package to add. Every entry point of the library that creates tensors calls
/// <see cref="EnsureAvailable"/>.
/// </summary>
public static class TorchBackend
{
    private static readonly Lazy<Exception?> LoadFailure = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Throws when TorchSharp's native library cannot be loaded. The first call loads the backend; later calls
    /// cost one field read.
    /// </summary>
    /// <exception cref="InvalidOperationException">No TorchSharp backend package is referenced, or its native
    /// library cannot be loaded on this machine. The message names the packages to add and carries TorchSharp's
    /// own explanation as the inner exception.</exception>
    public static void EnsureAvailable()
    {
        var failure = LoadFailure.Value;
        if (failure is not null)
        {
            throw CreateLoadException(failure);
        }
    }

    /// <summary>The exception <see cref="EnsureAvailable"/> throws for a load failure.</summary>
    internal static InvalidOperationException CreateLoadException(Exception failure) =>
            new InvalidOperationException(
                "VideoDiffusion could not load TorchSharp's native backend. The VideoDiffusion package references only " +
                "TorchSharp, so the application must add one backend package: 'TorchSharp-cpu' (any OS, CPU only), " +
                "'TorchSharp-cuda-linux' (Linux x64 with an NVIDIA GPU) or 'TorchSharp-cuda-windows' (Windows x64 with an NVIDIA GPU), " +
                "e.g. 'dotnet add package TorchSharp-cpu --version 0.107.0'. On Linux with libstdc++ older than GCC 13 " +
                "(Debian 12, Ubuntu 22.04) a 'GLIBCXX_3.4.32 not found' error means the build step that VideoDiffusion adds " +
                "did not run; rebuild the application (it patches the copy of libLibTorchSharp.so in the output directory). " +
                "TorchSharp said: " + failure.Message,
                failure);

    /// <summary>Whether TorchSharp's native backend loads on this machine; never throws.</summary>
    public static bool IsAvailable => LoadFailure.Value is null;

    private static Exception? Probe()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (TypeInitializationException e)
        {
            return e.InnerException ?? e;
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            return e;
        }
    }
}
