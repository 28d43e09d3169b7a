using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Residual temporal self-attention along the frames at each pixel (Ho et al. 2022, §3: the time part of factorized
/// space-time attention): <c>y = x + to_out(softmax(q k^T / sqrt(d) + b(j - i)) v)</c> over the T frames of one pixel
/// of one video, with a learned bias per head and bucketed frame distance (<see cref="RelativePositionBuckets"/>).
/// <c>to_out</c> starts at zero, so a fresh layer is the identity.
/// </summary>
/// <remarks>
/// State-dict keys: <c>norm</c>, <c>to_q</c>, <c>to_k</c>, <c>to_v</c>, <c>to_out</c>, <c>relative_position_bias.weight
/// [buckets, heads]</c>. Works on the time tokens <c>[T, P, C]</c> of <see cref="SpaceTimeLayout"/>; the heads are a
/// strided view <c>[P, heads, T, d]</c> of the projections, so nothing is permuted in memory before the attention.
/// </remarks>
internal sealed class TemporalAttention : MultiHeadAttention
{
    private readonly Embedding relative_position_bias;

    /// <summary>Creates the layer for <paramref name="channels"/> channels, <paramref name="heads"/> heads and <paramref name="buckets"/> position buckets.</summary>
    public TemporalAttention(int channels, int heads, int buckets)
        : base(nameof(TemporalAttention), channels, channels, heads, zeroOutput: true)
    {
        relative_position_bias = nn.Embedding(buckets, heads);
        using (no_grad())
        {
            nn.init.zeros_(relative_position_bias.weight);
        }
        RegisterComponents();
    }

    /// <summary>Applies the layer to time tokens <c>[T, P, C]</c> (contiguous); returns fresh contiguous tokens of the same shape.</summary>
    public override Tensor forward(Tensor tokens, SpaceTimeStep step)
    {
        using var scope = NewDisposeScope();
        var normed = Normalize(tokens);
        // [T, P, C] -> [T, P, heads, d] -> [P, heads, T, d]: strides only.
        var q = SplitHeads(Query(normed)).permute(1, 2, 0, 3);
        var k = SplitHeads(Key(normed)).permute(1, 2, 0, 3);
        var v = SplitHeads(Value(normed)).permute(1, 2, 0, 3);
        // [T, T] buckets -> [T, T, heads] -> [1, heads, T, T], broadcast over the P pixels.
        var bias = relative_position_bias.call(step.RelativePositions!).permute(2, 0, 1).unsqueeze(0).contiguous();
        var attended = Attend(q, k, v, bias);                       // [P, T, C]
        // Output projection in [P, T, C]; the residual add reads it transposed and writes x's [T, P, C] layout.
        return tokens.add(Output(attended).transpose(0, 1)).MoveToOuterDisposeScope();
    }
}
