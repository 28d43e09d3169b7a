using System.Runtime.InteropServices;

namespace VideoDiffusion.Tests;

public class BackendTests
{
    [Fact]
    public void TorchBackend_WithCpuPackage_IsAvailable()
    {
        TorchBackend.IsAvailable.Should().BeTrue();
        FluentActions.Invoking(TorchBackend.EnsureAvailable).Should().NotThrow();
    }

    [Fact]
    public void LoadException_NamesEveryBackendPackage_AndKeepsTorchSharpsReason()
    {
        var inner = new NotSupportedException("libtorch-cpu-linux-x64 not referenced");
        var e = TorchBackend.CreateLoadException(inner);
        e.Message.Should().Contain("TorchSharp-cpu").And.Contain("TorchSharp-cuda-linux").And.Contain("TorchSharp-cuda-windows")
            .And.Contain("libtorch-cpu-linux-x64 not referenced");
        e.InnerException.Should().BeSameAs(inner);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void MeasureConvolutionGradientError_RejectsRepetitionsOutOfRange(int repetitions)
    {
        FluentActions.Invoking(() => TorchBackend.MeasureConvolutionGradientError(repetitions)).Should().Throw<ArgumentOutOfRangeException>()
            .Which.Message.Should().Contain("repetitions").And.Contain(repetitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void RetainFreedCpuMemory_RejectsBlockSizesBelowGlibcsDefault()
    {
        FluentActions.Invoking(() => TorchBackend.RetainFreedCpuMemory(4096)).Should().Throw<ArgumentOutOfRangeException>()
            .Which.Message.Should().Contain("maxRetainedBlockBytes").And.Contain("131072").And.Contain("4096");
    }
}

/// <summary>Tests of process-wide native settings: they run alone, since other tests' allocations and convolutions would disturb what they measure.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideSettings
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Process-wide native settings";
}

[Collection(ProcessWideSettings.Name)]
public class ProcessWideSettingsTests
{
    [Fact]
    public void OneDnnEnabled_RoundTrips_AndWithoutItConvolutionGradientsAreExact()
    {
        TorchBackend.OneDnnEnabled.Should().BeTrue("libtorch enables oneDNN by default");
        try
        {
            TorchBackend.OneDnnEnabled = false;
            TorchBackend.OneDnnEnabled.Should().BeFalse();
            TorchBackend.MeasureConvolutionGradientError(3).Should().BeLessThan(1e-5);
        }
        finally
        {
            TorchBackend.OneDnnEnabled = true;
        }
        TorchBackend.OneDnnEnabled.Should().BeTrue();
        var measured = TorchBackend.MeasureConvolutionGradientError(2);
        (measured >= 0).Should().BeTrue($"the error is a non-negative number or +infinity, got {measured}");
    }

    [Fact]
    public void RetainFreedCpuMemory_ServesLargeTensorsFromTheHeap_InsteadOfMappingEachOne()
    {
        const long Bytes = AllocatorBaseline.Floats * sizeof(float);
        if (!OperatingSystem.IsLinux())
        {
            TorchBackend.RetainFreedCpuMemory().Should().BeFalse();
            return;
        }
        // glibc's defaults, measured when the test assembly loaded (later, a free chunk left by other tests can serve the
        // block): it is mapped on its own (counted in hblkhd, the bytes of mmapped blocks) while it lives.
        AllocatorBaseline.DefaultMappedBytes.Should().BeGreaterThanOrEqualTo(Bytes, AllocatorBaseline.Failure);

        TorchBackend.RetainFreedCpuMemory().Should().BeTrue();

        // Now it comes from an arena, whose memory is kept for the next allocation when it is freed.
        MappedBytesWhileAlive(AllocatorBaseline.Floats).Should().BeLessThan(Bytes);
    }

    /// <summary>Growth of glibc's mmapped-block bytes while a tensor of <paramref name="floats"/> elements exists.</summary>
    internal static long MappedBytesWhileAlive(long floats)
    {
        var before = (long)GlibcMallinfo2().hblkhd;
        using var t = torch.ones(floats);
        var during = (long)GlibcMallinfo2().hblkhd;
        using var sum = t.sum();
        if (sum.item<float>() != floats)
        {
            throw new InvalidOperationException($"ones({floats}).sum() = {sum.item<float>()}");
        }
        return during - before;
    }

    [DllImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static extern Mallinfo2 GlibcMallinfo2();

    /// <summary>glibc's <c>struct mallinfo2</c> (glibc 2.33 and later).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Mallinfo2
    {
#pragma warning disable CS0649 // assigned by native code
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
#pragma warning restore CS0649
    }
}

/// <summary>glibc's behaviour for a 36 MiB tensor before any test ran: the baseline of the allocator test.</summary>
internal static class AllocatorBaseline
{
    /// <summary>36 MiB of floats: above glibc's largest dynamic mmap threshold (32 MiB), below a thread arena's 64 MiB heaps.</summary>
    public const long Floats = 9L << 20;

    /// <summary>Mapped bytes while the block lived, at assembly load; -1 if not measured.</summary>
    public static long DefaultMappedBytes { get; private set; } = -1;

    /// <summary>Why the measurement failed, if it did.</summary>
    public static string Failure { get; private set; } = "";

#pragma warning disable CA2255 // a module initializer in a test assembly: it must run before any test allocates
    [System.Runtime.CompilerServices.ModuleInitializer]
#pragma warning restore CA2255
    internal static void Measure()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        try
        {
            DefaultMappedBytes = ProcessWideSettingsTests.MappedBytesWhileAlive(Floats);
        }
        catch (Exception e)
        {
            Failure = $"measuring at load failed: {e.Message}";
        }
    }
}
