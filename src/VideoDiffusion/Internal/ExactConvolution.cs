using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Internal;

/// <summary>
/// Convolutions whose input gradient is exact on every CPU. libtorch 2.10's oneDNN backend computes the input gradient
/// (backward-data) of a float32 convolution with fewer than 16 output channels wrongly on some CPUs: on the AMD Zen 5
/// (family 26) development and CI machines, 2D and 3D convolutions with 3, 4 or 8 output channels give input gradients
/// off by 30–100% of their largest value, or NaN, and differently on every call, at any thread count and with oneDNN
/// limited to AVX2. The forward pass and the weight gradient are exact, and 16 or more output channels are exact
/// (measured for 3–64 input channels; see <c>docs/native-compat.md</c>). A network whose last convolution maps to
/// 3 colour channels therefore back-propagates garbage into every earlier layer. This helper pads such a convolution
/// to <see cref="MinExactOutputChannels"/> output channels with zero filters and keeps the real ones, which leaves the
/// output and every gradient unchanged in exact arithmetic and routes backward-data through oneDNN's exact path.
/// </summary>
internal static class ExactConvolution
{
    /// <summary>The smallest output channel count whose oneDNN input gradient was measured exact.</summary>
    public const int MinExactOutputChannels = 16;

    /// <summary>
    /// <c>conv2d</c> (4-d <paramref name="weight"/>) or <c>conv3d</c> (5-d), stride 1, with the given zero padding. Pads
    /// the filters only when the input gradient will be computed on the CPU, so inference runs the plain convolution.
    /// </summary>
    public static Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, long[] padding)
    {
        var outChannels = weight.shape[0];
        var needsPadding = outChannels < MinExactOutputChannels && input.requires_grad && is_grad_enabled()
                           && input.device_type == DeviceType.CPU && (input.dtype == ScalarType.Float32 || input.dtype == ScalarType.BFloat16 || input.dtype == ScalarType.Float16);
        if (!needsPadding)
        {
            return Plain(input, weight, bias, padding);
        }
        using var scope = NewDisposeScope();
        var extra = MinExactOutputChannels - outChannels;
        var fillerShape = weight.shape.ToArray();
        fillerShape[0] = extra;
        var paddedWeight = cat([weight, zeros(fillerShape, weight.dtype, weight.device)], 0);
        var paddedBias = bias is null ? null : cat([bias, zeros([extra], bias.dtype, bias.device)], 0);
        var output = Plain(input, paddedWeight, paddedBias, padding);
        return output.narrow(1, 0, outChannels).contiguous().MoveToOuterDisposeScope();
    }

    private static Tensor Plain(Tensor input, Tensor weight, Tensor? bias, long[] padding) => weight.dim() switch
    {
        4 => F.conv2d(input, weight, bias, padding: padding),
        5 => F.conv3d(input, weight, bias, padding: padding),
        _ => throw new ArgumentException($"Expected a 4-d (conv2d) or 5-d (conv3d) weight, got {Shapes.Format(weight)}.", nameof(weight)),
    };
}
