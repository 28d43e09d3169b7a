using VideoDiffusion.Samplers;
using Xunit.Abstractions;

namespace VideoDiffusion.Tests.Samplers;

public sealed class DdimConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.Ddim;

    protected override int GoodSteps => 100;
}

public sealed class DdimEtaOneConformance(ITestOutputHelper output) : StochasticSamplerConformance(output)
{
    protected override ISampler Sampler { get; } = new DdimSampler(eta: 1);

    protected override int GoodSteps => 500;
}

public sealed class DdpmSmallConformance(ITestOutputHelper output) : StochasticSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.Ddpm;

    protected override int GoodSteps => 500;
}

public sealed class DdpmLargeConformance(ITestOutputHelper output) : StochasticSamplerConformance(output)
{
    protected override ISampler Sampler { get; } = new DdpmSampler(DdpmVariance.Large);

    protected override int GoodSteps => 100;
}

public sealed class EulerConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.Euler;

    protected override int GoodSteps => 100;
}

public sealed class EulerChurnConformance(ITestOutputHelper output) : StochasticSamplerConformance(output)
{
    protected override ISampler Sampler { get; } = new EulerSampler(new KarrasChurn { Churn = 10 });

    protected override int GoodSteps => 500;
}

public sealed class EulerAncestralConformance(ITestOutputHelper output) : StochasticSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.EulerAncestral;

    protected override int GoodSteps => 500;
}

public sealed class HeunConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.Heun;

    protected override int GoodSteps => 50;
}

public sealed class HeunChurnConformance(ITestOutputHelper output) : StochasticSamplerConformance(output)
{
    protected override ISampler Sampler { get; } = new HeunSampler(new KarrasChurn { Churn = 10 });

    protected override int GoodSteps => 50;
}

public sealed class DpmSolverPlusPlus2MConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.DpmSolverPlusPlus2M;

    protected override int GoodSteps => 50;
}

public sealed class DpmSolverPlusPlus3MConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.DpmSolverPlusPlus3M;

    protected override int GoodSteps => 50;
}

public sealed class DpmSolverPlusPlus2MSdeConformance(ITestOutputHelper output) : StochasticSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.DpmSolverPlusPlus2MSde;

    protected override int GoodSteps => 100;
}

public sealed class UniPCConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.UniPC;

    protected override int GoodSteps => 50;
}

public sealed class UniPConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler { get; } = new UniPCSampler(useCorrector: false);

    protected override int GoodSteps => 50;
}

public sealed class FlowEulerConformance(ITestOutputHelper output) : DeterministicSamplerConformance(output)
{
    protected override ISampler Sampler => KnownSamplers.FlowEuler;

    protected override int GoodSteps => 100;
}
