namespace VideoDiffusion.Schedules;

/// <summary>
/// One point of the forward process <c>x_t = Alpha * x_0 + Sigma * eps</c>: the (possibly fractional) training
/// timestep and the signal and noise scales at it. The clean-data level is <c>(Alpha = 1, Sigma = 0)</c>.
/// </summary>
/// <param name="Timestep">Timestep in training-step units, as given to a noise predictor.</param>
/// <param name="Alpha">Signal scale, in [0, 1] for variance-preserving schedules.</param>
/// <param name="Sigma">Noise scale, &gt;= 0.</param>
public readonly record struct NoiseLevel(double Timestep, double Alpha, double Sigma)
{
    /// <summary>The clean-data level: <c>Alpha = 1</c>, <c>Sigma = 0</c>, timestep 0.</summary>
    public static NoiseLevel Data => new(0, 1, 0);

    /// <summary>Signal-to-noise ratio <c>Alpha^2 / Sigma^2</c> (positive infinity at the data level).</summary>
    public double Snr => Alpha * Alpha / (Sigma * Sigma);

    /// <summary>Log signal-to-noise ratio <c>ln(Alpha^2 / Sigma^2)</c> (Kingma et al. 2021).</summary>
    public double LogSnr => 2.0 * Lambda;

    /// <summary>Half log-SNR <c>lambda = ln(Alpha / Sigma)</c>, the variable of DPM-Solver (Lu et al. 2022).</summary>
    public double Lambda => Math.Log(Alpha) - Math.Log(Sigma);

    /// <summary>Variance-exploding noise scale <c>Sigma / Alpha</c> (the "sigma" of Karras et al. 2022 and k-diffusion).</summary>
    public double VeSigma => Sigma / Alpha;

    /// <summary>Whether this is clean data (<c>Sigma == 0</c>).</summary>
    public bool IsData => Sigma == 0;
}
