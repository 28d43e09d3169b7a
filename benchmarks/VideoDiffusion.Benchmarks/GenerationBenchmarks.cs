using BenchmarkDotNet.Attributes;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// End-to-end sampling cost: 25 steps of DPM-Solver++(2M) with a class-conditional Tiny <see cref="SpaceTimeUNet"/>
/// (10 classes, v-prediction, cosine schedule, trailing spacing) on one clip <c>[1, 3, 16, 32, 32]</c>, against its
/// floor, 25 bare forward passes of the same network on the same input (the baseline). Classifier-free guidance
/// (scale 4) runs once with both branches in one forward pass of batch 2 and once as two passes of batch 1.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class GenerationBenchmarks
{
    private const int Steps = 25;
    private const int Classes = 10;

    private readonly ISampler _sampler = KnownSamplers.DpmSolverPlusPlus2M;
    private SpaceTimeUNet _network = null!;
    private SamplingPlan _plan = null!;
    private Tensor _xT = null!;
    private Tensor[] _timesteps = [];
    private Conditioning _conditional = null!;
    private Conditioning _unconditional = null!;
    private PredictorDenoiser _denoiser = null!;
    private ClassifierFreeGuidance _batched = null!;
    private ClassifierFreeGuidance _twoPasses = null!;

    /// <summary>Setup of the unguided benchmarks: 25 forward passes of batch 1.</summary>
    [GlobalSetup(Targets = [nameof(BareForwards), nameof(Sample)])]
    public void SetupUnguided() => Setup(batch: 1);

    /// <summary>Setup of the batched guidance benchmark: 25 forward passes of batch 2.</summary>
    [GlobalSetup(Target = nameof(GuidedBatched))]
    public void SetupBatched() => Setup(batch: 2);

    /// <summary>Setup of the two-pass guidance benchmark: 50 forward passes of batch 1.</summary>
    [GlobalSetup(Target = nameof(GuidedTwoPasses))]
    public void SetupTwoPasses() => Setup(batch: 1, passes: 2);

    /// <summary>Releases everything.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        BenchmarkRecords.CleanupStarting();
        _batched.Dispose();
        _twoPasses.Dispose();
        _conditional.ClassLabels!.Dispose();
        _unconditional.ClassLabels!.Dispose();
        foreach (var t in _timesteps)
        {
            t.Dispose();
        }
        _xT.Dispose();
        _network.Dispose();
    }

    /// <summary>The floor: 25 forward passes of the network, nothing else.</summary>
    [Benchmark(Baseline = true)]
    public void BareForwards()
    {
        using var mode = inference_mode();
        foreach (var t in _timesteps)
        {
            using var y = _network.Predict(_xT, t, _conditional);
        }
    }

    /// <summary>25 steps of DPM-Solver++(2M), class-conditional, no guidance.</summary>
    [Benchmark]
    public void Sample()
    {
        using var x0 = _sampler.Sample(_denoiser, _xT, _plan);
    }

    /// <summary>25 guided steps, both branches in one forward pass of batch 2.</summary>
    [Benchmark]
    public void GuidedBatched()
    {
        using var x0 = _sampler.Sample(_batched, _xT, _plan);
    }

    /// <summary>25 guided steps, the branches in two forward passes of batch 1.</summary>
    [Benchmark]
    public void GuidedTwoPasses()
    {
        using var x0 = _sampler.Sample(_twoPasses, _xT, _plan);
    }

    private void Setup(int batch, int passes = 1)
    {
        _network = Networks.Build(KnownSpaceTimeUNets.Tiny with { NumClasses = Classes });
        _plan = SamplingPlan.Create(KnownNoiseSchedules.Cosine.Build(), Steps, TimestepSpacing.Trailing);
        using var generator = new Generator(5, CPU);
        _xT = randn([1, 3, 16, 32, 32], generator: generator).mul_(_plan[0].Sigma);
        _timesteps = [.. Enumerable.Range(0, Steps).Select(i => full([1], (float)_plan[i].Timestep))];
        _conditional = new Conditioning { ClassLabels = tensor(new long[] { 3 }) };
        _unconditional = ClassifierFreeGuidance.UnconditionalFor(_conditional, _network.NullClassLabel);
        _denoiser = new PredictorDenoiser(_network, Parameterization.V, _conditional);
        _batched = new ClassifierFreeGuidance(_denoiser, _conditional, _unconditional, scale: 4.0);
        _twoPasses = new ClassifierFreeGuidance(_denoiser, _conditional, _unconditional, scale: 4.0, batched: false);
        BenchmarkRecords.WriteFlops(Steps * passes * FlopCounter.UNetForward(_network, [batch, 3, 16, 32, 32]));
        BenchmarkRecords.SetupDone();
    }
}
