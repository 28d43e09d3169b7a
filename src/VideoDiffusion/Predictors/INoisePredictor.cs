using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// A network that maps a noisy batch of videos and its timesteps to its raw prediction (noise, x0, v or flow velocity,
/// as fixed by the <c>Parameterization</c> it was trained with). Samplers reach it through a denoiser; trainers call it
/// directly.
/// </summary>
public interface INoisePredictor
{
    /// <summary>Number of channels C of the noisy input.</summary>
    int InChannels { get; }

    /// <summary>Number of channels of the prediction.</summary>
    int OutChannels { get; }

    /// <summary>H and W of the input must be multiples of this number (e.g. 2^(levels - 1) for a U-Net).</summary>
    int SpatialMultiple { get; }

    /// <summary>Predicts for a noisy batch.</summary>
    /// <param name="xt">Noisy videos <c>[B, InChannels, T, H, W]</c>.</param>
    /// <param name="timesteps">Timesteps <c>[B]</c> (floating point, training-step units, fractional allowed).</param>
    /// <param name="conditioning">Optional conditioning; null = <see cref="Conditioning.None"/>.</param>
    /// <returns>A fresh tensor <c>[B, OutChannels, T, H, W]</c> with the dtype and device of <paramref name="xt"/>.</returns>
    /// <exception cref="ArgumentException">A shape does not match (the message names the expected and the actual shape).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class label is out of range.</exception>
    Tensor Predict(Tensor xt, Tensor timesteps, Conditioning? conditioning = null);
}
