namespace VideoDiffusion.Metrics;

/// <summary>The local window over which SSIM's means, variances and covariance are taken.</summary>
public enum SsimWindow
{
    /// <summary>
    /// Wang et al. (2004): a circular Gaussian window (size <see cref="SsimOptions.WindowSize"/>, standard deviation
    /// <see cref="SsimOptions.Sigma"/>), weighted moments, evaluated at every position where it fits ('valid').
    /// </summary>
    Gaussian,

    /// <summary>
    /// The x264/ffmpeg approximation (ffmpeg's <c>ssim</c> filter): uniform 8 x 8 windows at a stride of 4 pixels,
    /// unbiased (N - 1) variances and x264's effective <c>C1 = (K1 L)^2 / 64</c>; use it to reproduce ffmpeg's numbers.
    /// </summary>
    Block8x8,
}
