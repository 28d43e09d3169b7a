using BenchmarkDotNet.Attributes;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// The machine's float32 matrix-multiply throughput, the yardstick for the network's achieved GFLOP/s: <c>C = A B</c>
/// with square <c>N x N</c> matrices (<c>2 N^3</c> FLOPs), through libtorch's CPU GEMM with its default threads.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class MatmulBenchmarks
{
    private Tensor _a = null!;
    private Tensor _b = null!;

    /// <summary>Matrix size N.</summary>
    [Params(1024, 2048)]
    public int N { get; set; }

    /// <summary>Draws the matrices.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchBackend.EnsureAvailable();
        using var generator = new Generator(3, CPU);
        _a = randn([N, N], generator: generator);
        _b = randn([N, N], generator: generator);
        BenchmarkRecords.WriteFlops(2.0 * N * N * N);
        BenchmarkRecords.SetupDone();
    }

    /// <summary>Releases the matrices.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        BenchmarkRecords.CleanupStarting();
        _a.Dispose();
        _b.Dispose();
    }

    /// <summary>One product.</summary>
    [Benchmark]
    public void Matmul()
    {
        using var c = _a.matmul(_b);
    }
}
