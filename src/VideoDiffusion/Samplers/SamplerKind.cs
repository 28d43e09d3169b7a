namespace VideoDiffusion.Samplers;

/// <summary>The samplers of <see cref="KnownSamplers"/>, by name (for options records and files).</summary>
public enum SamplerKind
{
    /// <summary><see cref="KnownSamplers.Ddpm"/>.</summary>
    Ddpm,

    /// <summary><see cref="KnownSamplers.Ddim"/>.</summary>
    Ddim,

    /// <summary><see cref="KnownSamplers.Euler"/>.</summary>
    Euler,

    /// <summary><see cref="KnownSamplers.EulerAncestral"/>.</summary>
    EulerAncestral,

    /// <summary><see cref="KnownSamplers.Heun"/>.</summary>
    Heun,

    /// <summary><see cref="KnownSamplers.DpmSolverPlusPlus2M"/>.</summary>
    DpmSolverPlusPlus2M,

    /// <summary><see cref="KnownSamplers.DpmSolverPlusPlus3M"/>.</summary>
    DpmSolverPlusPlus3M,

    /// <summary><see cref="KnownSamplers.DpmSolverPlusPlus2MSde"/>.</summary>
    DpmSolverPlusPlus2MSde,

    /// <summary><see cref="KnownSamplers.UniPC"/>.</summary>
    UniPC,

    /// <summary><see cref="KnownSamplers.FlowEuler"/>.</summary>
    FlowEuler,
}
