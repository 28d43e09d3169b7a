using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Predictors;

/// <summary>
/// The projections every attention layer of <see cref="SpaceTimeUNet"/> owns and the multi-head attention they feed:
/// <c>softmax(q k^T / sqrt(d) + bias) v</c> per head (Vaswani et al. 2017, eq. 1) through libtorch's
/// <c>scaled_dot_product_attention</c>, which picks its fused (flash) kernel when it can.
/// </summary>
/// <remarks>
/// The query, key, value and output projections are plain <see cref="Linear"/> submodules named <c>to_q</c>, <c>to_k</c>,
/// <c>to_v</c> (no bias, as in Stable Diffusion) and <c>to_out</c> (with bias), so LoRA adapters can attach to them with
/// forward hooks; <c>norm</c> is the pre-attention LayerNorm over channels. Derived layers decide which axis is the
/// sequence and pass strided views, never copies, to <see cref="Attend"/>.
/// </remarks>
internal abstract class MultiHeadAttention : nn.Module<Tensor, SpaceTimeStep, Tensor>
{
    private readonly LayerNorm norm;
    private readonly Linear to_q;
    private readonly Linear to_k;
    private readonly Linear to_v;
    private readonly Linear to_out;

    /// <summary>Creates the projections for <paramref name="channels"/> channels in <paramref name="heads"/> heads; keys and values read <paramref name="keyChannels"/> channels.</summary>
    protected MultiHeadAttention(string name, int channels, int keyChannels, int heads, bool zeroOutput) : base(name)
    {
        Heads = heads;
        norm = nn.LayerNorm(channels);
        to_q = nn.Linear(channels, channels, hasBias: false);
        to_k = nn.Linear(keyChannels, channels, hasBias: false);
        to_v = nn.Linear(keyChannels, channels, hasBias: false);
        to_out = nn.Linear(channels, channels);
        if (zeroOutput)
        {
            using var noGrad = no_grad();
            nn.init.zeros_(to_out.weight);
            nn.init.zeros_(to_out.bias);
        }
    }

    /// <summary>Number of heads.</summary>
    protected int Heads { get; }

    /// <summary>Pre-attention LayerNorm over the last (channel) axis.</summary>
    protected Tensor Normalize(Tensor tokens) => norm.call(tokens);

    /// <summary>Query projection <c>[…, C] -> […, C]</c>.</summary>
    protected Tensor Query(Tensor x) => to_q.call(x);

    /// <summary>Key projection <c>[…, keyChannels] -> […, C]</c>.</summary>
    protected Tensor Key(Tensor x) => to_k.call(x);

    /// <summary>Value projection <c>[…, keyChannels] -> […, C]</c>.</summary>
    protected Tensor Value(Tensor x) => to_v.call(x);

    /// <summary>Output projection <c>[…, C] -> […, C]</c>.</summary>
    protected Tensor Output(Tensor x) => to_out.call(x);

    /// <summary>
    /// Splits the channels of <paramref name="x"/> <c>[…, L, C]</c> (contiguous) into heads, giving the view
    /// <c>[…, L, heads, d]</c>.
    /// </summary>
    protected Tensor SplitHeads(Tensor x)
    {
        var shape = x.shape;
        var split = new long[shape.Length + 1];
        Array.Copy(shape, split, shape.Length - 1);
        split[^2] = Heads;
        split[^1] = shape[^1] / Heads;
        return x.view(split);
    }

    /// <summary>
    /// Attention of queries <c>[N, heads, Lq, d]</c> over keys and values <c>[N, heads, Lk, d]</c> (any strides with a unit
    /// last stride), with an optional additive bias broadcastable to <c>[N, heads, Lq, Lk]</c>; returns <c>[N, Lq, heads * d]</c>.
    /// </summary>
    protected static Tensor Attend(Tensor q, Tensor k, Tensor v, Tensor? bias = null)
    {
        var (n, heads, length, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3]);
        // The fused kernel returns [N, heads, L, d] as a transposed view of [N, L, heads, d] memory, so this reshape is free.
        return F.scaled_dot_product_attention(q, k, v, bias).transpose(1, 2).reshape(n, length, heads * d);
    }
}
