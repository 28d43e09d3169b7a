namespace VideoDiffusion.Metrics;

/// <summary>Parameters of <see cref="Ssim"/>; the defaults are those of Wang et al. (2004).</summary>
public sealed record SsimOptions
{
    /// <summary>The shared default options (Gaussian window 11, sigma 1.5, K1 0.01, K2 0.03, model space [-1, 1]).</summary>
    public static SsimOptions Default { get; } = new();

    /// <summary>ffmpeg's <c>ssim</c> filter: 8 x 8 blocks at stride 4, K1 0.01, K2 0.03.</summary>
    public static SsimOptions Ffmpeg { get; } = new() { Window = SsimWindow.Block8x8 };

    /// <summary>The window. <value>The default value is <see cref="SsimWindow.Gaussian"/>.</value></summary>
    public SsimWindow Window { get; init; } = SsimWindow.Gaussian;

    /// <summary>Gaussian window size in pixels (odd, >= 3). <value>The default value is 11.</value></summary>
    public int WindowSize { get; init; } = 11;

    /// <summary>Gaussian standard deviation in pixels. <value>The default value is 1.5.</value></summary>
    public double Sigma { get; init; } = 1.5;

    /// <summary>K1 in <c>C1 = (K1 L)^2</c>. <value>The default value is 0.01.</value></summary>
    public double K1 { get; init; } = 0.01;

    /// <summary>K2 in <c>C2 = (K2 L)^2</c>. <value>The default value is 0.03.</value></summary>
    public double K2 { get; init; } = 0.03;

    /// <summary>Data range L: 2 for model space [-1, 1], 255 for bytes. <value>The default value is 2.</value></summary>
    public double DataRange { get; init; } = 2.0;

    /// <summary>
    /// The value that means black: -1 in model space, 0 for bytes. SSIM's luminance term
    /// <c>(2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)</c> assumes intensities measured from black (0 … L), so inputs are
    /// shifted by this value first; without the shift, model-space SSIM would differ from byte SSIM.
    /// <value>The default value is -1.</value>
    /// </summary>
    public double MinValue { get; init; } = -1.0;

    /// <summary>Throws if an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its documented range.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Window))
        {
            throw new ArgumentOutOfRangeException(nameof(Window), Window, "Unknown SSIM window.");
        }
        if (WindowSize < 3 || WindowSize % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(WindowSize), WindowSize, "Expected an odd size >= 3.");
        }
        if (!double.IsFinite(Sigma) || Sigma <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Sigma), Sigma, "Expected a finite sigma > 0.");
        }
        if (!double.IsFinite(K1) || K1 <= 0 || !double.IsFinite(K2) || K2 <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(K1), (K1, K2), "Expected finite K1, K2 > 0.");
        }
        MetricInputs.RequireRange(DataRange, nameof(DataRange));
        if (!double.IsFinite(MinValue))
        {
            throw new ArgumentOutOfRangeException(nameof(MinValue), MinValue, "Expected a finite value.");
        }
    }
}
