using System.Globalization;
using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>Mirrors the whole clip left-right with probability <see cref="Probability"/>.</summary>
public sealed class RandomHorizontalFlip : IVideoAugmentation
{
    /// <summary>Creates the flip.</summary>
    /// <param name="probability">Probability of flipping, in [0, 1]. <value>The default value is 0.5.</value></param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="probability"/> is outside [0, 1].</exception>
    public RandomHorizontalFlip(double probability = 0.5) => Probability = ClipChecks.RequireProbability(probability, nameof(probability));

    /// <summary>Probability of flipping.</summary>
    public double Probability { get; }

    /// <inheritdoc />
    public string Description => string.Format(CultureInfo.InvariantCulture, "RandomHorizontalFlip(p={0:R})", Probability);

    /// <inheritdoc />
    public Tensor Apply(Tensor clip, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ClipChecks.RequireClip(clip, nameof(clip));
        return random.NextDouble() < Probability ? clip.flip(3) : clip.clone();
    }
}
