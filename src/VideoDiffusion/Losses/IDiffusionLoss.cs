using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// A diffusion training loss: compares a network's raw prediction with what it should have predicted, weights each
/// sample by its noise level, and reduces over the elements of a sample (respecting an optional mask), then over the batch.
/// Implementations are immutable and thread-safe.
/// </summary>
public interface IDiffusionLoss
{
    /// <summary>The loss of every sample: <c>[B]</c>, dtype and device of the prediction; differentiable.</summary>
    /// <param name="input">Prediction, clean batch, noise, noisy batch and per-sample levels.</param>
    /// <exception cref="ArgumentException">Shapes disagree (the message names the expected and the actual shape).</exception>
    Tensor PerSample(DiffusionLossInput input);

    /// <summary>The batch loss: the mean of <see cref="PerSample"/>, a 0-dimensional tensor; differentiable.</summary>
    /// <param name="input">Prediction, clean batch, noise, noisy batch and per-sample levels.</param>
    /// <exception cref="ArgumentException">Shapes disagree.</exception>
    Tensor Compute(DiffusionLossInput input)
    {
        using var scope = NewDisposeScope();
        return PerSample(input).mean().MoveToOuterDisposeScope();
    }

    /// <summary>A short description with every parameter (stored in checkpoints).</summary>
    string Description { get; }
}
