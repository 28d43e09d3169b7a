namespace VideoDiffusion.IO;

/// <summary>Error diffusion used when a frame has more colours than its table.</summary>
public enum GifDithering
{
    /// <summary>Each pixel takes the nearest table colour (flat areas stay flat; gradients may band).</summary>
    None,

    /// <summary>Floyd–Steinberg error diffusion (smoother gradients; adds fine noise that can shimmer between frames).</summary>
    FloydSteinberg,
}
