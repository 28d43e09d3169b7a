using BenchmarkDotNet.Attributes;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Benchmarks;

/// <summary>Cost of the double-precision schedule lookups a sampler makes per step.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class ScheduleBenchmarks
{
    private readonly INoiseSchedule _cosine = KnownNoiseSchedules.Cosine.Build();
    private readonly INoiseSchedule _flow = KnownNoiseSchedules.RectifiedFlow.Build();

    /// <summary>Level at an integer timestep (table lookup).</summary>
    [Benchmark(Baseline = true)]
    public NoiseLevel IntegerLevel() => _cosine.Level(517);

    /// <summary>Level at a fractional timestep (log-sigma interpolation).</summary>
    [Benchmark]
    public NoiseLevel FractionalLevel() => _cosine.Level(517.25);

    /// <summary>Inverse lookup (binary search).</summary>
    [Benchmark]
    public double TimestepOfLogSnr() => _cosine.TimestepOf(-1.234);

    /// <summary>Continuous schedule level.</summary>
    [Benchmark]
    public NoiseLevel FlowLevel() => _flow.Level(517.25);

    /// <summary>A 25-step Karras plan (25 inverse lookups and levels).</summary>
    [Benchmark]
    public SamplingPlan KarrasPlan25() => SamplingPlan.Create(_cosine, 25, TimestepSpacing.Karras);
}
