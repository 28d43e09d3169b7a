using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Residual spatial attention inside each frame (Ho et al. 2022, §3: the space part of factorized space-time
/// attention): <c>y = x + to_out(Attention(to_q(LN(x)), to_k(s), to_v(s)))</c> over the H*W tokens of a frame, where the
/// source s is <c>LN(x)</c> (self-attention) or the context embeddings of the frame's video (cross-attention, as in
/// latent diffusion, Rombach et al. 2022, §3.3). Frames never see each other here.
/// </summary>
internal sealed class SpatialAttention : MultiHeadAttention
{
    private readonly bool crossAttention;

    /// <summary>Creates self-attention (<paramref name="contextChannels"/> = 0) or cross-attention over contexts of that width.</summary>
    public SpatialAttention(int channels, int heads, int contextChannels = 0)
        : base(nameof(SpatialAttention), channels, contextChannels > 0 ? contextChannels : channels, heads, zeroOutput: false)
    {
        crossAttention = contextChannels > 0;
        RegisterComponents();
    }

    /// <summary>Applies the layer to frame tokens <c>[T*B, H*W, C]</c>; returns fresh tokens of the same shape.</summary>
    /// <exception cref="InvalidOperationException">Cross-attention called without a context (callers skip the layer instead).</exception>
    public override Tensor forward(Tensor tokens, SpaceTimeStep step)
    {
        if (crossAttention && step.Context is null)
        {
            throw new InvalidOperationException("Cross-attention needs a context; skip the layer when there is none.");
        }
        using var scope = NewDisposeScope();
        var normed = Normalize(tokens);
        var q = SplitHeads(Query(normed)).transpose(1, 2);
        Tensor k, v;
        if (crossAttention)
        {
            // Every frame of video b attends to context b: repeat the projected context over the T frames
            // (frame n of the folded batch belongs to video n % B).
            var context = step.Context!;
            k = PerFrame(Key(context), step.Frames);
            v = PerFrame(Value(context), step.Frames);
        }
        else
        {
            k = SplitHeads(Key(normed)).transpose(1, 2);
            v = SplitHeads(Value(normed)).transpose(1, 2);
        }
        var attended = Attend(q, k, v);
        return tokens.add(Output(attended)).MoveToOuterDisposeScope();
    }

    /// <summary>Projected context <c>[B, L, C]</c> -> per-frame heads <c>[T*B, heads, L, d]</c>.</summary>
    private Tensor PerFrame(Tensor projected, long frames)
    {
        var split = SplitHeads(projected);
        var (b, length, heads, d) = (split.shape[0], split.shape[1], split.shape[2], split.shape[3]);
        return split.unsqueeze(0).expand(frames, b, length, heads, d).reshape(frames * b, length, heads, d).transpose(1, 2);
    }
}
