using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Adapts a network (<see cref="INoisePredictor"/>) to the <see cref="IDenoiser"/> seam: calls it with the level's
/// timestep for every clip and converts its raw output to <c>(x0_hat, eps_hat)</c> with the parameterization it was
/// trained with (Karras et al. 2022, section 3 "preconditioning"; k-diffusion <c>external.py</c>).
/// </summary>
/// <remarks>
/// The timesteps and the level's alpha and sigma become device tensors by a fill, not a host-to-device copy, so a
/// step never synchronises with the GPU. Timesteps are float32 (float64 for float64 input).
/// </remarks>
public sealed class PredictorDenoiser : IDenoiser, IConditionalDenoiser
{
    /// <summary>Creates the adapter.</summary>
    /// <param name="predictor">The network.</param>
    /// <param name="parameterization">What the network predicts.</param>
    /// <param name="conditioning">Conditioning used by <see cref="Denoise(Tensor, NoiseLevel)"/>; null = <see cref="Conditioning.None"/>.
    /// Its tensors stay owned by the caller.</param>
    public PredictorDenoiser(INoisePredictor predictor, Parameterization parameterization, Conditioning? conditioning = null)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(parameterization);
        Predictor = predictor;
        Parameterization = parameterization;
        Conditioning = conditioning ?? Conditioning.None;
    }

    /// <summary>The network.</summary>
    public INoisePredictor Predictor { get; }

    /// <summary>What the network predicts.</summary>
    public Parameterization Parameterization { get; }

    /// <summary>The conditioning of <see cref="Denoise(Tensor, NoiseLevel)"/>.</summary>
    public Conditioning Conditioning { get; }

    /// <summary>The same network and parameterization under another conditioning.</summary>
    public PredictorDenoiser WithConditioning(Conditioning conditioning) => new(Predictor, Parameterization, conditioning);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">xt is not <c>[B, InChannels, T, H, W]</c>, or level is clean data.</exception>
    /// <exception cref="InvalidOperationException">Epsilon prediction at zero SNR (alpha = 0), where x0 cannot be recovered.</exception>
    public Denoised Denoise(Tensor xt, NoiseLevel level) => Denoise(xt, level, Conditioning);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">xt is not <c>[B, InChannels, T, H, W]</c>, or level is clean data.</exception>
    /// <exception cref="InvalidOperationException">Epsilon prediction at zero SNR (alpha = 0), where x0 cannot be recovered.</exception>
    public Denoised Denoise(Tensor xt, NoiseLevel level, Conditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        Shapes.RequireVideoBatch(xt, nameof(xt));
        if (xt.shape[1] != Predictor.InChannels)
        {
            throw new ArgumentException(
                $"Expected [B, C, T, H, W] with C = {Predictor.InChannels} (the predictor's InChannels), got {Shapes.Format(xt)}.", nameof(xt));
        }
        Parameterization.RequireConvertible(level);
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        var timeType = xt.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var timesteps = full([xt.shape[0]], level.Timestep, timeType, xt.device);
        var output = Predictor.Predict(xt, timesteps, conditioning);
        return Parameterization.ToDenoised(output, xt, level).MoveToOuterDisposeScope();
    }
}
