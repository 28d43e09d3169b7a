namespace VideoDiffusion.Data;

/// <summary>The definition of a <see cref="MovingMnist"/> dataset. Clip i is a pure function of these options, the digit images and i.</summary>
public sealed record MovingMnistOptions
{
    /// <summary>Path of the MNIST images in IDX format (e.g. <c>train-images-idx3-ubyte</c> or its <c>.gz</c>). Required.</summary>
    public required string ImagesPath { get; init; }

    /// <summary>Number of clips. <value>The default value is 10000.</value></summary>
    public int Count { get; init; } = 10000;

    /// <summary>Frames per clip. <value>The default value is 20, as in Srivastava et al. 2015.</value></summary>
    public int Frames { get; init; } = 20;

    /// <summary>Side of the square canvas in pixels. <value>The default value is 64.</value></summary>
    public int CanvasSize { get; init; } = 64;

    /// <summary>Side of a digit in pixels (digits of another size are resized bilinearly). <value>The default value is 28.</value></summary>
    public int DigitSize { get; init; } = 28;

    /// <summary>Digits per clip. <value>The default value is 2.</value></summary>
    public int Digits { get; init; } = 2;

    /// <summary>Distance moved per frame as a fraction of the free range <c>CanvasSize - DigitSize</c>. <value>The default value is 0.1, as in the original generator.</value></summary>
    public double StepLength { get; init; } = 0.1;

    /// <summary>Seed of the dataset. <value>The default value is 0.</value></summary>
    public long Seed { get; init; }
}
