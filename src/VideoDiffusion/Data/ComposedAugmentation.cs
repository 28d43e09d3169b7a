using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>Applies several augmentations in order, sharing one random source.</summary>
public sealed class ComposedAugmentation : IVideoAugmentation
{
    private readonly IVideoAugmentation[] _steps;

    /// <summary>Creates the composition.</summary>
    /// <param name="steps">The augmentations, applied first to last.</param>
    /// <exception cref="ArgumentException">A step is null.</exception>
    public ComposedAugmentation(params IVideoAugmentation[] steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Any(s => s is null))
        {
            throw new ArgumentException("Expected no null augmentation.", nameof(steps));
        }
        _steps = (IVideoAugmentation[])steps.Clone();
    }

    /// <summary>The augmentations, in order.</summary>
    public IReadOnlyList<IVideoAugmentation> Steps => _steps;

    /// <inheritdoc />
    public string Description => "Compose(" + string.Join(", ", _steps.Select(s => s.Description)) + ")";

    /// <inheritdoc />
    public Tensor Apply(Tensor clip, Random random)
    {
        ClipChecks.RequireClip(clip, nameof(clip));
        var current = clip.clone();
        foreach (var step in _steps)
        {
            var next = step.Apply(current, random);
            current.Dispose();
            current = next;
        }
        return current;
    }
}
