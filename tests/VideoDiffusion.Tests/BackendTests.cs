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
        // 512 MiB: above glibc's largest dynamic mmap threshold (32 MiB), and larger than any free chunk the heap can hold
        // after the rest of the suite (a 36 MiB block was served from such a chunk when this test ran last).
        const long Floats = 128L << 20;
        const long Bytes = Floats * sizeof(float);
        if (!OperatingSystem.IsLinux())
        {
            TorchBackend.RetainFreedCpuMemory().Should().BeFalse();
            return;
        }
        // glibc's defaults: the block is mapped on its own (counted in hblkhd, the bytes of mmapped blocks) while it lives.
        MappedBytesWhileAlive(Floats).Should().BeGreaterThanOrEqualTo(Bytes);

        TorchBackend.RetainFreedCpuMemory().Should().BeTrue();

        // Now it comes from an arena, whose memory is kept for the next allocation when it is freed.
        MappedBytesWhileAlive(Floats).Should().BeLessThan(Bytes);
    }

    /// <summary>Growth of glibc's mmapped-block bytes while a tensor of <paramref name="floats"/> elements exists.</summary>
    private static long MappedBytesWhileAlive(long floats)
    {
        var before = (long)GlibcMallinfo2().hblkhd;
        using var t = torch.ones(floats);
        var during = (long)GlibcMallinfo2().hblkhd;
        using var sum = t.sum();
        sum.item<float>().Should().Be(floats);
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
