using BenchmarkDotNet.Attributes;
using VideoDiffusion.Predictors;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// One forward pass of <see cref="SpaceTimeUNet"/> under <c>torch.inference_mode()</c>, float32, on 16 frames of
/// 32x32 RGB (<c>[B, 3, 16, 32, 32]</c>). The FLOPs of one pass are counted once in the setup (<see cref="FlopCounter"/>)
/// and shown with the achieved GFLOP/s; compare them with <see cref="MatmulBenchmarks"/> of the same run.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class SpaceTimeUNetBenchmarks
{
    private SpaceTimeUNet _network = null!;
    private Tensor _x = null!;
    private Tensor _t = null!;

    /// <summary>The preset.</summary>
    [Params("Tiny", "Small")]
    public string Preset { get; set; } = "Tiny";

    /// <summary>Clips per batch.</summary>
    [Params(1, 4)]
    public int Batch { get; set; }

    /// <summary>Whether the process runs with <see cref="TorchBackend.RetainFreedCpuMemory"/> (glibc keeps freed blocks).</summary>
    [Params(false, true)]
    public bool RetainFreed { get; set; }

    /// <summary>Builds the network and the input, and counts the FLOPs of one pass.</summary>
    [GlobalSetup]
    public void Setup()
    {
        if (RetainFreed)
        {
            TorchBackend.RetainFreedCpuMemory();
        }
        _network = Networks.Build(Networks.Options(Preset));
        long[] shape = [Batch, 3, 16, 32, 32];
        using var generator = new Generator(7, CPU);
        _x = randn(shape, generator: generator);
        _t = full([Batch], 500f);
        BenchmarkRecords.WriteFlops(FlopCounter.UNetForward(_network, shape));
        BenchmarkRecords.SetupDone();
    }

    /// <summary>Releases the network and the input.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        BenchmarkRecords.CleanupStarting();
        _x.Dispose();
        _t.Dispose();
        _network.Dispose();
    }

    /// <summary>One forward pass.</summary>
    [Benchmark]
    public void Forward()
    {
        using var mode = inference_mode();
        using var y = _network.Predict(_x, _t);
    }
}
