using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// Everything a diffusion loss may look at for one batch. The caller owns every tensor. Shapes: videos
/// <c>[B, C, T, H, W]</c> (any rank &gt;= 1 is accepted as long as the shapes agree), levels <c>[B]</c> or
/// <c>[B, 1, …, 1]</c>.
/// </summary>
public sealed record DiffusionLossInput
{
    /// <summary>The network's raw output (noise, x0, v or flow velocity, as fixed by <see cref="Parameterization"/>).</summary>
    public required Tensor Prediction { get; init; }

    /// <summary>The clean batch x0, shape of the prediction.</summary>
    public required Tensor X0 { get; init; }

    /// <summary>The noise eps that was added, shape of the prediction.</summary>
    public required Tensor Noise { get; init; }

    /// <summary>The noisy batch <c>x_t = alpha x0 + sigma eps</c> the network saw, shape of the prediction.</summary>
    public required Tensor Xt { get; init; }

    /// <summary>Per-sample signal scale alpha: <c>[B]</c> or <c>[B, 1, …, 1]</c>.</summary>
    public required Tensor Alpha { get; init; }

    /// <summary>Per-sample noise scale sigma: <c>[B]</c> or <c>[B, 1, …, 1]</c>.</summary>
    public required Tensor Sigma { get; init; }

    /// <summary>What the network predicts.</summary>
    public required Parameterization Parameterization { get; init; }

    /// <summary>
    /// Optional element weights, 1 = counts and 0 = ignored (e.g. padded frames, or the known frames in image-to-video
    /// training): a tensor broadcastable to the prediction (e.g. <c>[B, 1, T, 1, 1]</c>), or a frame mask <c>[B, T]</c>
    /// for video batches. Each sample's loss is the mask-weighted mean over its elements; a sample whose mask is all zero
    /// contributes 0. <value>The default value is null (every element counts).</value>
    /// </summary>
    public Tensor? Mask { get; init; }

    /// <summary>Checks that the shapes agree; throws before any libtorch call.</summary>
    /// <exception cref="ArgumentException">A shape does not match.</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Prediction, nameof(Prediction));
        ArgumentNullException.ThrowIfNull(X0, nameof(X0));
        ArgumentNullException.ThrowIfNull(Noise, nameof(Noise));
        ArgumentNullException.ThrowIfNull(Xt, nameof(Xt));
        ArgumentNullException.ThrowIfNull(Alpha, nameof(Alpha));
        ArgumentNullException.ThrowIfNull(Sigma, nameof(Sigma));
        ArgumentNullException.ThrowIfNull(Parameterization, nameof(Parameterization));
        if (Prediction.dim() < 1)
        {
            throw new ArgumentException($"Expected a batched prediction [B, C, T, H, W], got {Shapes.Format(Prediction)}.", nameof(Prediction));
        }
        Shapes.RequireSameShape(Prediction, X0, nameof(Prediction), nameof(X0));
        Shapes.RequireSameShape(Prediction, Noise, nameof(Prediction), nameof(Noise));
        Shapes.RequireSameShape(Prediction, Xt, nameof(Prediction), nameof(Xt));
        RequireLevel(Alpha, nameof(Alpha));
        RequireLevel(Sigma, nameof(Sigma));
        if (Mask is not null)
        {
            _ = MaskedMean.ExpandMask(Mask, Prediction, nameof(Mask), validateOnly: true);
        }
    }

    private void RequireLevel(Tensor level, string name)
    {
        var b = Prediction.shape[0];
        var ok = level.dim() >= 1 && level.shape[0] == b && level.shape.Skip(1).All(d => d == 1) && level.dim() <= Prediction.dim();
        if (!ok)
        {
            throw new ArgumentException(
                $"Expected {name} of shape [B] or [B, 1, …, 1] with B = {b} (the batch of {Shapes.Format(Prediction)}), got {Shapes.Format(level)}.",
                name);
        }
    }

    /// <summary>Validates the input and returns alpha and sigma shaped <c>[B, 1, …, 1]</c> to broadcast against the prediction (call inside a dispose scope).</summary>
    /// <exception cref="ArgumentException">A shape does not match.</exception>
    internal (Tensor Alpha, Tensor Sigma) ValidatedLevels()
    {
        Validate();
        return (Broadcastable(Alpha, Prediction), Broadcastable(Sigma, Prediction));
    }

    /// <summary>A level tensor flattened to <c>[B]</c>.</summary>
    internal static Tensor Flat(Tensor level) => level.reshape(level.shape[0]);

    /// <summary>A level tensor reshaped to <c>[B, 1, …, 1]</c> to broadcast against <paramref name="like"/>.</summary>
    private static Tensor Broadcastable(Tensor level, Tensor like)
    {
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = level.shape[0];
        return level.reshape(shape);
    }
}
