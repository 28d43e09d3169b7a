
namespace VideoDiffusion.Noise;

/// <summary>The kinds of <see cref="INoiseSource"/> the library builds from <see cref="NoiseSourceOptions"/>.</summary>
public enum NoiseSourceKind
{
    /// <summary><see cref="GaussianNoise"/>.</summary>
    Gaussian,

    /// <summary><see cref="OffsetNoise"/> with <see cref="NoiseSourceOptions.Strength"/>.</summary>
    Offset,

    /// <summary><see cref="PyramidNoise"/> with <see cref="NoiseSourceOptions.Discount"/>.</summary>
    Pyramid,

    /// <summary><see cref="FrameCorrelatedNoise"/> with <see cref="NoiseSourceOptions.Correlation"/> and <see cref="NoiseSourceOptions.CorrelationMode"/>.</summary>
    FrameCorrelated,
}

/// <summary>An immutable, serializable definition of a noise source (stored in pipeline and checkpoint files).</summary>
public sealed record NoiseSourceOptions
{
    /// <summary>Plain Gaussian noise.</summary>
    public static NoiseSourceOptions Gaussian { get; } = new();

    /// <summary>The kind of source. <value>The default value is <see cref="NoiseSourceKind.Gaussian"/>.</value></summary>
    public NoiseSourceKind Kind { get; init; } = NoiseSourceKind.Gaussian;

    /// <summary>Offset strength. <value>The default value is 0.1.</value></summary>
    public double Strength { get; init; } = 0.1;

    /// <summary>Pyramid discount. <value>The default value is 0.8.</value></summary>
    public double Discount { get; init; } = 0.8;

    /// <summary>Frame correlation rho. <value>The default value is 0.5.</value></summary>
    public double Correlation { get; init; } = 0.5;

    /// <summary>Frame correlation mode. <value>The default value is <see cref="FrameCorrelationMode.Mixed"/>.</value></summary>
    public FrameCorrelationMode CorrelationMode { get; init; } = FrameCorrelationMode.Mixed;

    /// <summary>Builds the source (validating its parameters).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range, or the kind is unknown.</exception>
    public INoiseSource Build() => Kind switch
    {
        NoiseSourceKind.Gaussian => GaussianNoise.Instance,
        NoiseSourceKind.Offset => new OffsetNoise(Strength),
        NoiseSourceKind.Pyramid => new PyramidNoise(Discount),
        NoiseSourceKind.FrameCorrelated => new FrameCorrelatedNoise(Correlation, CorrelationMode),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown noise source."),
    };
}
