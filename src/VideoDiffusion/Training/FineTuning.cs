using TorchSharp;
using VideoDiffusion.Internal;
using VideoDiffusion.Predictors;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// Helpers for fine-tuning a video network from image weights, as in Blattmann et al. 2023 ("Align your Latents") and
/// Guo et al. 2024 (AnimateDiff): train only the temporal layers on video while the spatial layers keep what they
/// learned from images. Layers are told apart by their parameter names: temporal layers have <see cref="TemporalMarker"/>
/// in their names, spatial layers do not. Build the <see cref="Trainer"/> after freezing: its optimizer only sees
/// parameters with <c>requires_grad</c>.
/// </summary>
public static class FineTuning
{
    /// <summary>The substring that marks temporal parameters: <c>temporal</c>.</summary>
    public const string TemporalMarker = SpaceTimeUNet.TemporalKeyMarker;

    /// <summary>Freezes every parameter whose name does not contain <paramref name="marker"/> and unfreezes those that do.</summary>
    /// <param name="model">The network.</param>
    /// <param name="marker">The substring of trainable names. <value>The default value is <see cref="TemporalMarker"/>.</value></param>
    /// <returns>The names left trainable.</returns>
    /// <exception cref="ArgumentException">No parameter name contains the marker.</exception>
    public static IReadOnlyList<string> FreezeAllExceptTemporal(nn.Module model, string marker = TemporalMarker)
    {
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var trainable = SetTrainable(model, name => name.Contains(marker, StringComparison.Ordinal));
        if (trainable.Count == 0)
        {
            throw new ArgumentException($"No parameter name of {model.GetType().Name} contains '{marker}'.", nameof(model));
        }
        return trainable;
    }

    /// <summary>Sets <c>requires_grad</c> of every parameter to <paramref name="trainable"/>(name).</summary>
    /// <returns>The names left trainable.</returns>
    public static IReadOnlyList<string> SetTrainable(nn.Module model, Func<string, bool> trainable)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainable);
        var names = new List<string>();
        foreach (var (name, p) in model.named_parameters())
        {
            var on = trainable(name);
            p.requires_grad = on;
            if (on)
            {
                names.Add(name);
            }
        }
        return names;
    }

    /// <summary>
    /// Initialises a video network from an image network of the same architecture (trained with T = 1 or with
    /// independent frames): every weight whose name lacks <paramref name="marker"/> is copied; temporal weights keep their
    /// initialisation (zero-initialised output projections, so the temporal layers start as the identity).
    /// </summary>
    /// <param name="video">The network to initialise.</param>
    /// <param name="imageWeights">The image network's state dict (extra temporal entries are ignored).</param>
    /// <param name="marker">The substring of temporal names. <value>The default value is <see cref="TemporalMarker"/>.</value></param>
    /// <returns>The names copied and the temporal names kept.</returns>
    /// <exception cref="ArgumentException">A non-temporal weight is missing from <paramref name="imageWeights"/>, has another shape, or an entry has no counterpart.</exception>
    public static (IReadOnlyList<string> Copied, IReadOnlyList<string> KeptTemporal) InitializeFromImageModel(
        nn.Module video, IReadOnlyDictionary<string, Tensor> imageWeights, string marker = TemporalMarker)
    {
        ArgumentNullException.ThrowIfNull(video);
        ArgumentNullException.ThrowIfNull(imageWeights);
        ArgumentException.ThrowIfNullOrEmpty(marker);
        var state = video.state_dict();
        bool IsTemporal(string name) => name.Contains(marker, StringComparison.Ordinal);
        var unexpected = imageWeights.Keys.Where(k => !IsTemporal(k) && !state.ContainsKey(k)).ToArray();
        if (unexpected.Length > 0)
        {
            throw new ArgumentException($"The image weights have entries the video network lacks: {string.Join(", ", unexpected.Take(5))}.", nameof(imageWeights));
        }
        var copied = new List<string>();
        var kept = new List<string>();
        foreach (var (name, target) in state)
        {
            if (IsTemporal(name))
            {
                kept.Add(name);
                continue;
            }
            if (!imageWeights.TryGetValue(name, out var source))
            {
                throw new ArgumentException($"The image weights lack '{name}'.", nameof(imageWeights));
            }
            if (!source.shape.SequenceEqual(target.shape))
            {
                throw new ArgumentException($"'{name}' is {Shapes.Format(source)} in the image weights and {Shapes.Format(target)} in the video network.", nameof(imageWeights));
            }
            copied.Add(name);
        }
        using var _ = no_grad();
        foreach (var name in copied)
        {
            state[name].copy_(imageWeights[name]);
        }
        return (copied, kept);
    }

    /// <summary>Initialises a video network from an image network of the same architecture (see the dictionary overload).</summary>
    public static (IReadOnlyList<string> Copied, IReadOnlyList<string> KeptTemporal) InitializeFromImageModel(
        nn.Module video, nn.Module image, string marker = TemporalMarker)
    {
        ArgumentNullException.ThrowIfNull(image);
        return InitializeFromImageModel(video, image.state_dict(), marker);
    }
}
