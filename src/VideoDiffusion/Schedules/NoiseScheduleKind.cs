namespace VideoDiffusion.Schedules;

/// <summary>The families of noise schedules the library builds from <see cref="NoiseScheduleOptions"/>.</summary>
public enum NoiseScheduleKind
{
    /// <summary>DDPM linear betas (Ho et al. 2020): <c>beta_i = linspace(BetaStart, BetaEnd, T)</c>, default 1e-4 .. 0.02.</summary>
    Linear,

    /// <summary>Stable Diffusion's scaled-linear betas: linear in <c>sqrt(beta)</c>, default 0.00085 .. 0.012.</summary>
    ScaledLinear,

    /// <summary>Cosine schedule (Nichol &amp; Dhariwal 2021): <c>abar(t) = cos^2(((t/T) + s) / (1 + s) * pi/2)</c>, s = 0.008, beta clipped at 0.999.</summary>
    Cosine,

    /// <summary>Sigmoid betas (GeoDiff, Xu et al. 2022): <c>beta_i = sigmoid(linspace(-6, 6, T)) * (BetaEnd - BetaStart) + BetaStart</c>.</summary>
    Sigmoid,

    /// <summary>The seed article's "uniform diffusion": <c>beta_i = BetaEnd * (i + 1) / T</c>, i.e. proportional to t/T, scaled to the maximum BetaEnd.</summary>
    Uniform,

    /// <summary>Log-SNR linear in t: <c>ln(abar/(1 - abar)) = linspace(LogSnrStart, LogSnrEnd, T)</c> (the seed article's "logarithmic diffusion").</summary>
    LogLinearSnr,

    /// <summary>Continuous rectified flow (Liu et al. 2022; Esser et al. 2024): <c>alpha = 1 - s(t)</c>, <c>sigma = s(t)</c>, with the time shift s.</summary>
    RectifiedFlow,
}
