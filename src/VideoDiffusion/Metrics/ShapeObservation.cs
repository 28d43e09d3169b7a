using VideoDiffusion.Data;

namespace VideoDiffusion.Metrics;

/// <summary>
/// What <see cref="ShapeTracks"/> sees of the shape in one frame: the largest foreground blob, its nearest palette
/// colour, its kind and its centre.
/// </summary>
/// <param name="Blobs">Foreground blobs of at least <see cref="ShapeTrackOptions.MinBlobPixels"/> pixels (0 = empty frame).</param>
/// <param name="Pixels">Foreground pixels of the largest blob.</param>
/// <param name="Color">Index into <see cref="ShapeTrackOptions.Palette"/> of the largest blob's colour; -1 in an empty frame.</param>
/// <param name="Kind">Square or circle by fill ratio; null in an empty frame.</param>
/// <param name="X">Centre x in pixels (coverage-weighted, pixel (0, 0) covers [0, 1) x [0, 1)); NaN in an empty frame.</param>
/// <param name="Y">Centre y in pixels, down; NaN in an empty frame.</param>
/// <param name="Foreground">Fraction of the frame's pixels that are foreground (in any blob or speck).</param>
/// <param name="FillRatio">Coverage-weighted area over width times height (1 for a square, pi/4 for a disc); NaN in an empty frame.</param>
public readonly record struct ShapeObservation(int Blobs, int Pixels, double Foreground, int Color, ShapeKind? Kind, double X, double Y, double FillRatio)
{
    /// <summary>Whether the frame has no blob.</summary>
    public bool IsEmpty => Blobs == 0;

    /// <summary>The observation of an empty frame.</summary>
    public static ShapeObservation Empty { get; } = new(0, 0, 0.0, -1, null, double.NaN, double.NaN, double.NaN);
}
