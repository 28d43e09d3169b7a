using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Timestep embedding of DDPM (Ho et al. 2020, after the Transformer's positional encoding, Vaswani et al. 2017):
/// <c>e(t) = [cos(t w_0), …, cos(t w_{h-1}), sin(t w_0), …, sin(t w_{h-1})]</c> with
/// <c>w_i = 10000^(-i / h)</c>, <c>h = dim / 2</c>, followed by <c>Linear -> SiLU -> Linear</c>.
/// State-dict keys: <c>linear_1</c>, <c>linear_2</c>.
/// </summary>
internal sealed class TimestepEmbedding : nn.Module<Tensor, Tensor>
{
    private const double MaxPeriod = 10000.0;

    private readonly int sinusoidChannels;
    private readonly Linear linear_1;
    private readonly Linear linear_2;

    /// <summary>Creates the embedding: sinusoid of <paramref name="sinusoidChannels"/> (even) channels -> MLP of width <paramref name="embeddingChannels"/>.</summary>
    public TimestepEmbedding(int sinusoidChannels, int embeddingChannels) : base(nameof(TimestepEmbedding))
    {
        this.sinusoidChannels = sinusoidChannels;
        linear_1 = nn.Linear(sinusoidChannels, embeddingChannels);
        linear_2 = nn.Linear(embeddingChannels, embeddingChannels);
        RegisterComponents();
    }

    /// <summary>Embeds timesteps <c>[B]</c> (already in the dtype and device of the network) into <c>[B, embeddingChannels]</c>.</summary>
    public override Tensor forward(Tensor timesteps)
    {
        using var scope = NewDisposeScope();
        var emb = Sinusoid(timesteps, sinusoidChannels);
        return linear_2.call(F.silu(linear_1.call(emb))).MoveToOuterDisposeScope();
    }

    /// <summary>The sinusoidal features <c>[B, channels]</c> (cosines first) of timesteps <c>[B]</c>; dtype and device follow <paramref name="timesteps"/>.</summary>
    internal static Tensor Sinusoid(Tensor timesteps, int channels)
    {
        using var scope = NewDisposeScope();
        var half = channels / 2;
        var exponent = arange(half, dtype: timesteps.dtype, device: timesteps.device).mul_(-Math.Log(MaxPeriod) / half);
        var args = timesteps.unsqueeze(1) * exponent.exp_().unsqueeze(0);
        var features = cat([args.cos(), args.sin()], 1);
        if (channels % 2 == 1)
        {
            features = F.pad(features, [0, 1]);
        }
        return features.MoveToOuterDisposeScope();
    }
}
