using BenchmarkDotNet.Attributes;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// The pure cost of the sampling loop: every built-in sampler with a denoiser that only scales its input
/// (<see cref="ScaledInputDenoiser"/>), on <c>[1, 4, 16, 32, 32]</c> float32, for one step and for a 25-step run
/// (cosine schedule, trailing spacing). The baseline is one call of that denoiser, so <c>Step - Denoise</c> is what a
/// step adds around a network: argument checks, dispose scope, inference mode, history, the update's tensor algebra
/// and, for stochastic samplers, the noise draw.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class SamplerBenchmarks
{
    private readonly ScaledInputDenoiser _denoiser = new();
    private SamplingPlan _plan = null!;
    private ISampler _sampler = null!;
    private Tensor _x = null!;
    private Generator _generator = null!;
    private SamplingContext _context = null!;

    /// <summary>The sampler under test.</summary>
    [ParamsAllValues]
    public SamplerKind Sampler { get; set; }

    /// <summary>Builds the plan, the start sample and a seeded context.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchBackend.EnsureAvailable();
        _plan = SamplingPlan.Create(KnownNoiseSchedules.Cosine.Build(), 25, TimestepSpacing.Trailing);
        _sampler = KnownSamplers.FromKind(Sampler);
        _generator = new Generator(42, CPU);
        _x = randn([1, 4, 16, 32, 32], generator: _generator).mul_(_plan[0].Sigma);
        _context = new SamplingContext(_generator);
        BenchmarkRecords.SetupDone();
    }

    /// <summary>Releases the tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        BenchmarkRecords.CleanupStarting();
        _x.Dispose();
        _generator.Dispose();
    }

    /// <summary>One call of the denoiser alone (what every step pays anyway).</summary>
    [Benchmark(Baseline = true)]
    public void Denoise()
    {
        using var d = _denoiser.Denoise(_x, _plan[0]);
    }

    /// <summary>The first step of a run (begin, step, dispose).</summary>
    [Benchmark]
    public void OneStep()
    {
        using var state = _sampler.Begin(_plan);
        using var next = _sampler.Step(_denoiser, _x, state, _context);
    }

    /// <summary>A whole 25-step run.</summary>
    [Benchmark]
    public void Run25Steps()
    {
        using var result = _sampler.Sample(_denoiser, _x, _plan, _context);
    }
}
