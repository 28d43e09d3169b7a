using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Draws the initial weights of a <see cref="SpaceTimeUNet"/> from one generator, in a fixed order, so a seed fixes
/// the network. Distributions are PyTorch's defaults: convolutions and linear layers <c>U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in))</c> for weight and bias (<c>kaiming_uniform_(a = sqrt(5))</c>), class embeddings <c>N(0, 1)</c>,
/// norms weight 1 and bias 0; the zero-initialised layers (<see cref="IsZeroInitialized"/>) are set to zero, except the
/// weights of temporal layers when <see cref="SpaceTimeUNetOptions.TemporalInitScale"/> is positive: those are drawn from
/// PyTorch's default range times that scale.
/// </summary>
internal static class SpaceTimeUNetInitializer
{
    /// <summary>
    /// Whether the module at <paramref name="modulePath"/> starts at zero: the final convolution, and every temporal layer
    /// that feeds the residual stream (temporal convolutions, temporal attention output projections) together with the
    /// temporal attention's relative position bias.
    /// </summary>
    public static bool IsZeroInitialized(string modulePath) =>
        modulePath == "conv_out"
        || (SpaceTimeUNet.IsTemporal(modulePath)
            && (modulePath.EndsWith("to_out", StringComparison.Ordinal)
                || modulePath.EndsWith("relative_position_bias", StringComparison.Ordinal)
                || modulePath.Contains("temporal_conv", StringComparison.Ordinal)));

    /// <summary>
    /// Re-draws every parameter of <paramref name="network"/> from <paramref name="generator"/> (null = libtorch's default
    /// generator); <paramref name="temporalScale"/> &gt; 0 draws the zero-initialised temporal weights from
    /// <c>U(-s/sqrt(fan_in), s/sqrt(fan_in))</c> instead.
    /// </summary>
    public static void Initialize(nn.Module network, Generator? generator, double temporalScale = 0.0)
    {
        using var noGrad = no_grad();
        foreach (var (path, module) in network.named_modules())
        {
            var zero = IsZeroInitialized(path);
            foreach (var (name, parameter) in module.named_parameters(recurse: false))
            {
                var smallRandom = zero && temporalScale > 0 && name == "weight" && path != "conv_out"
                    && !path.EndsWith("relative_position_bias", StringComparison.Ordinal);
                if (smallRandom)
                {
                    var fanIn = parameter.numel() / parameter.shape[0];
                    var bound = temporalScale / Math.Sqrt(fanIn);
                    parameter.uniform_(-bound, bound, generator);
                }
                else if (zero || module is GroupNorm or LayerNorm)
                {
                    if (zero || name == "bias")
                    {
                        parameter.zero_();
                    }
                    else
                    {
                        parameter.fill_(1.0);
                    }
                }
                else if (module is Embedding)
                {
                    parameter.normal_(0.0, 1.0, generator);
                }
                else
                {
                    var weight = module.named_parameters(recurse: false).First(p => p.name == "weight").parameter;
                    var fanIn = weight.numel() / weight.shape[0];
                    var bound = 1.0 / Math.Sqrt(fanIn);
                    parameter.uniform_(-bound, bound, generator);
                }
            }
        }
    }
}
