using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Residual temporal convolution, kernel (3, 1, 1), zero padding along time: <c>y = x + conv_t(x)</c>, the 1D
/// convolution of Make-A-Video's pseudo-3D convolution (Singer et al. 2022, §3.2). Weight and bias start at zero, so
/// a fresh layer is the identity and a network inflated from an image model keeps its behaviour.
/// </summary>
/// <remarks>
/// State-dict keys are those of a PyTorch <c>Conv3d(C, C, (3, 1, 1), padding=(1, 0, 0))</c>: <c>weight [C, C, 3, 1, 1]</c>
/// and <c>bias [C]</c>. The layer runs on the time tokens <c>[T, P, C]</c> of <see cref="SpaceTimeLayout"/> as three
/// matrix products on contiguous slices along T (tap k reads frame <c>t + k - 1</c>), which avoids the im2col copy
/// and layout change a Conv3d would make.
/// </remarks>
internal sealed class TemporalConvolution : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;

    /// <summary>Creates the layer for <paramref name="channels"/> channels, zero-initialised.</summary>
    public TemporalConvolution(int channels) : base(nameof(TemporalConvolution))
    {
        weight = new Parameter(zeros([channels, channels, 3, 1, 1]));
        bias = new Parameter(zeros(channels));
        RegisterComponents();
    }

    /// <summary>Applies <c>x + conv_t(x)</c> to time tokens <c>[T, P, C]</c> (contiguous); returns a fresh contiguous <c>[T, P, C]</c>.</summary>
    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var (t, p, c) = (tokens.shape[0], tokens.shape[1], tokens.shape[2]);
        var flat = tokens.view(t * p, c);
        // y = x + b + x W_1^T (centre tap), then the off-centre taps add into the frames they reach.
        var output = torch.addmm(flat, flat, Tap(1), beta: 1, alpha: 1).add_(bias);
        if (t > 1)
        {
            var rows = (t - 1) * p;
            var byFrame = output.view(t, p, c);
            // Frame t receives W_0 x[t-1] (frames 1..T-1) and W_2 x[t+1] (frames 0..T-2).
            byFrame[1..].view(rows, c).addmm_(tokens[..^1].view(rows, c), Tap(0));
            byFrame[..^1].view(rows, c).addmm_(tokens[1..].view(rows, c), Tap(2));
        }
        return output.view(t, p, c).MoveToOuterDisposeScope();
    }

    /// <summary>Tap k as the right-hand matrix of <c>x @ W_k^T</c>, <c>[C_in, C_out]</c>.</summary>
    private Tensor Tap(long k) => weight[.., .., k, 0, 0].t();
}
