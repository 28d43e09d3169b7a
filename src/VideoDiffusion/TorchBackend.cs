using TorchSharp;
using VideoDiffusion.Internal;

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

    /// <summary>The smallest block size <see cref="RetainFreedCpuMemory"/> accepts: glibc's own default threshold, 128 KiB.</summary>
    public const int MinRetainedBlockBytes = 128 * 1024;

    /// <summary>
    /// Makes the C allocator keep the memory that libtorch frees on the CPU for reuse, instead of handing large blocks
    /// back to the operating system and faulting fresh zeroed pages in on the next allocation. A denoising loop allocates
    /// and frees the same few activation buffers of tens of megabytes at every layer of every step; with glibc's
    /// defaults, blocks over 32 MiB always come from <c>mmap</c> and go back with <c>munmap</c>, and the freed top of
    /// the heap is trimmed, so the loop spends a third of its time in page faults (measured in <c>docs/benchmarks.md</c>).
    /// This is the CPU counterpart of PyTorch's caching allocator on CUDA, and of running PyTorch with jemalloc or tcmalloc.
    /// </summary>
    /// <remarks>
    /// The setting is process-wide and stays in force until the process ends: the resident memory of the process no
    /// longer shrinks after a peak. It affects only allocations made after the call. On Linux with glibc it sets
    /// <c>M_MMAP_THRESHOLD</c> to <paramref name="maxRetainedBlockBytes"/> and <c>M_TRIM_THRESHOLD</c> to its maximum
    /// via <c>mallopt(3)</c>; on other systems (Windows, macOS, musl-based Linux) it does nothing and returns
    /// <see langword="false"/>. GPU memory is not affected (libtorch's CUDA allocator already caches). The gain is
    /// largest for tensors allocated on the process's main thread: glibc serves other threads from arenas of 64 MiB
    /// heaps and unmaps a heap that empties, so there a block that needs a heap of its own is still mapped each time.
    /// </remarks>
    /// <param name="maxRetainedBlockBytes">Blocks up to this size come from the heap and are reused; larger ones are still
    /// mapped and unmapped one by one. Default 1 GiB, which covers every activation of the presets at batch 16.</param>
    /// <returns><see langword="true"/> when the allocator was reconfigured; <see langword="false"/> when this platform's
    /// allocator has no such setting (nothing changed).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRetainedBlockBytes"/> is below
    /// <see cref="MinRetainedBlockBytes"/>.</exception>
    public static bool RetainFreedCpuMemory(int maxRetainedBlockBytes = 1 << 30)
    {
        if (maxRetainedBlockBytes < MinRetainedBlockBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRetainedBlockBytes), maxRetainedBlockBytes,
                $"maxRetainedBlockBytes must be at least {MinRetainedBlockBytes} bytes (128 KiB), got {maxRetainedBlockBytes}.");
        }
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            // Trim first: the trim threshold also switches off glibc's dynamic adjustment of the mmap threshold.
            return GlibcMalloc.mallopt(GlibcMalloc.TrimThreshold, int.MaxValue) == 1
                   && GlibcMalloc.mallopt(GlibcMalloc.MmapThreshold, maxRetainedBlockBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether libtorch may use oneDNN (formerly MKL-DNN) for CPU convolutions, libtorch's
    /// <c>torch.backends.mkldnn.enabled</c>. Process-wide; the default is <see langword="true"/>.
    /// </summary>
    /// <remarks>
    /// oneDNN makes CPU convolutions several times faster (a Tiny <see cref="Predictors.SpaceTimeUNet"/> training step at
    /// 32x32 took 2.2x as long without it, a forward pass 4.5x), but on some CPUs libtorch 2.10's oneDNN computes the
    /// input gradient of a convolution with fewer than 16 output channels wrongly (see <c>docs/native-compat.md</c> and
    /// <see cref="MeasureConvolutionGradientError"/>). The library's own networks route such convolutions around the
    /// fault; a custom predictor with few-channel convolutions can switch oneDNN off here on an affected machine.
    /// </remarks>
    /// <exception cref="NotSupportedException">The loaded libtorch does not export the switch (an unexpected build).</exception>
    /// <exception cref="InvalidOperationException">TorchSharp's native backend cannot be loaded (see <see cref="EnsureAvailable"/>).</exception>
    public static bool OneDnnEnabled
    {
        get
        {
            EnsureAvailable();
            return CallContext(() => LibTorchContext.UserEnabledMkldnn);
        }
        set
        {
            EnsureAvailable();
            CallContext(() => LibTorchContext.UserEnabledMkldnn = value);
        }
    }

    /// <summary>
    /// Measures whether this machine's float32 CPU convolutions back-propagate correctly where libtorch 2.10's oneDNN is
    /// known to fail: the input gradient of a 3x3 <c>conv2d</c> from 32 to 3 channels on 8 frames of 16x16, computed
    /// <paramref name="repetitions"/> times and compared with the same gradient in float64 (which oneDNN never runs).
    /// </summary>
    /// <param name="repetitions">How many times to compute the gradient (the fault is intermittent); 1 to 1,000. Default 8.</param>
    /// <returns>The largest error relative to the largest float64 gradient value: about 1e-7 where convolutions are
    /// exact, 0.3 or more (or <see cref="double.PositiveInfinity"/> for a NaN gradient) on an affected CPU.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="repetitions"/> is outside 1 to 1,000.</exception>
    public static double MeasureConvolutionGradientError(int repetitions = 8)
    {
        if (repetitions is < 1 or > 1000)
        {
            throw new ArgumentOutOfRangeException(nameof(repetitions), repetitions, $"repetitions must be in 1..1000, got {repetitions}.");
        }
        EnsureAvailable();
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(20261202);
        var input = torch.randn([8, 32, 16, 16], generator: generator);
        var weight = torch.randn([3, 32, 3, 3], generator: generator);
        var upstream = torch.randn([8, 3, 16, 16], generator: generator);
        var reference = InputGradient(input.to(torch.float64), weight.to(torch.float64), upstream.to(torch.float64));
        var scale = reference.abs().max().item<double>();
        var worst = 0.0;
        for (var i = 0; i < repetitions; i++)
        {
            var error = (InputGradient(input, weight, upstream).to(torch.float64) - reference).abs().max().item<double>() / scale;
            worst = double.IsNaN(error) ? double.PositiveInfinity : Math.Max(worst, error);
        }
        return worst;
    }

    private static torch.Tensor InputGradient(torch.Tensor input, torch.Tensor weight, torch.Tensor upstream)
    {
        using var leaf = input.detach().requires_grad_(true);
        using var output = torch.nn.functional.conv2d(leaf, weight, padding: [1, 1]);
        using var product = (output * upstream).sum();
        product.backward();
        return leaf.grad!.clone();
    }

    private static T CallContext<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            throw new NotSupportedException("The loaded libtorch does not export at::Context's oneDNN switch (torch.backends.mkldnn.enabled).", e);
        }
    }

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
