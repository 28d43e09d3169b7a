namespace VideoDiffusion.Samplers;

/// <summary>Ready-made samplers with their published default options (immutable, safe to share).</summary>
public static class KnownSamplers
{
    /// <summary>DDPM ancestral sampling with the posterior variance (Ho et al. 2020).</summary>
    public static ISampler Ddpm { get; } = new DdpmSampler();

    /// <summary>DDIM, eta = 0 (Song et al. 2021).</summary>
    public static ISampler Ddim { get; } = new DdimSampler();

    /// <summary>Euler in Karras coordinates (Karras et al. 2022).</summary>
    public static ISampler Euler { get; } = new EulerSampler();

    /// <summary>Ancestral Euler, eta = 1 (k-diffusion).</summary>
    public static ISampler EulerAncestral { get; } = new EulerAncestralSampler();

    /// <summary>Heun, Karras et al. 2022 Algorithm 1.</summary>
    public static ISampler Heun { get; } = new HeunSampler();

    /// <summary>DPM-Solver++(2M) (Lu et al. 2022b).</summary>
    public static ISampler DpmSolverPlusPlus2M { get; } = new DpmSolverPlusPlusSampler(2);

    /// <summary>DPM-Solver++(3M).</summary>
    public static ISampler DpmSolverPlusPlus3M { get; } = new DpmSolverPlusPlusSampler(3);

    /// <summary>DPM-Solver++(2M) SDE, eta = 1, midpoint.</summary>
    public static ISampler DpmSolverPlusPlus2MSde { get; } = new DpmSolverPlusPlusSdeSampler();

    /// <summary>UniPC, B(h) = e^h - 1, predictor order 2 with the corrector (Zhao et al. 2023).</summary>
    public static ISampler UniPC { get; } = new UniPCSampler();

    /// <summary>Euler for rectified flow.</summary>
    public static ISampler FlowEuler { get; } = new FlowEulerSampler();

    /// <summary>All of the above.</summary>
    public static IReadOnlyList<ISampler> All { get; } =
        [Ddpm, Ddim, Euler, EulerAncestral, Heun, DpmSolverPlusPlus2M, DpmSolverPlusPlus3M, DpmSolverPlusPlus2MSde, UniPC, FlowEuler];

    /// <summary>The sampler named by <paramref name="kind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown kind.</exception>
    public static ISampler FromKind(SamplerKind kind) => kind switch
    {
        SamplerKind.Ddpm => Ddpm,
        SamplerKind.Ddim => Ddim,
        SamplerKind.Euler => Euler,
        SamplerKind.EulerAncestral => EulerAncestral,
        SamplerKind.Heun => Heun,
        SamplerKind.DpmSolverPlusPlus2M => DpmSolverPlusPlus2M,
        SamplerKind.DpmSolverPlusPlus3M => DpmSolverPlusPlus3M,
        SamplerKind.DpmSolverPlusPlus2MSde => DpmSolverPlusPlus2MSde,
        SamplerKind.UniPC => UniPC,
        SamplerKind.FlowEuler => FlowEuler,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sampler."),
    };
}
