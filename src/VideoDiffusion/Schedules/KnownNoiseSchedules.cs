namespace VideoDiffusion.Schedules;

/// <summary>Ready-made schedule definitions with the parameters of the papers that introduced them.</summary>
public static class KnownNoiseSchedules
{
    /// <summary>DDPM linear betas 1e-4 .. 0.02 over 1000 steps (Ho et al. 2020).</summary>
    public static NoiseScheduleOptions Linear { get; } = new() { Kind = NoiseScheduleKind.Linear, BetaStart = 1e-4, BetaEnd = 0.02 };

    /// <summary>Stable Diffusion's scaled-linear betas 0.00085 .. 0.012 over 1000 steps.</summary>
    public static NoiseScheduleOptions ScaledLinear { get; } = new() { Kind = NoiseScheduleKind.ScaledLinear, BetaStart = 0.00085, BetaEnd = 0.012 };

    /// <summary>Cosine schedule, s = 0.008, betas clipped at 0.999 (Nichol &amp; Dhariwal 2021).</summary>
    public static NoiseScheduleOptions Cosine { get; } = new() { Kind = NoiseScheduleKind.Cosine };

    /// <summary>Sigmoid betas between 1e-4 and 0.02 (GeoDiff).</summary>
    public static NoiseScheduleOptions Sigmoid { get; } = new() { Kind = NoiseScheduleKind.Sigmoid, BetaStart = 1e-4, BetaEnd = 0.02 };

    /// <summary>The seed article's "uniform diffusion", <c>beta_t = 0.02 t / T</c>.</summary>
    public static NoiseScheduleOptions Uniform { get; } = new() { Kind = NoiseScheduleKind.Uniform, BetaEnd = 0.02 };

    /// <summary>Log-SNR linear from 10 to -10 over 1000 steps.</summary>
    public static NoiseScheduleOptions LogLinearSnr { get; } = new() { Kind = NoiseScheduleKind.LogLinearSnr };

    /// <summary>Cosine schedule rescaled to zero terminal SNR (Lin et al. 2023); pair it with v-prediction.</summary>
    public static NoiseScheduleOptions CosineZeroTerminalSnr { get; } = new() { Kind = NoiseScheduleKind.Cosine, ZeroTerminalSnr = true };

    /// <summary>Rectified flow over t in [0, 1000] without shift.</summary>
    public static NoiseScheduleOptions RectifiedFlow { get; } = new() { Kind = NoiseScheduleKind.RectifiedFlow };
}
