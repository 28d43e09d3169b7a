namespace VideoDiffusion.Data;

/// <summary>An 8-bit RGB colour.</summary>
/// <param name="R">Red, 0 … 255.</param>
/// <param name="G">Green, 0 … 255.</param>
/// <param name="B">Blue, 0 … 255.</param>
public readonly record struct RgbColor(byte R, byte G, byte B)
{
    /// <summary>Luma (ITU-R BT.601), 0 … 255, used for single-channel rendering.</summary>
    public double Luma => 0.299 * R + 0.587 * G + 0.114 * B;
}
