using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// The attention stack that follows a ResNet block (diffusers' <c>unet_3d_blocks</c> order): spatial self-attention
/// within each frame, cross-attention to the context, then temporal self-attention along the frames at each pixel
/// (Ho et al. 2022, factorized space-time attention). Each part is optional; the temporal part is skipped when the
/// frames are independent.
/// </summary>
/// <remarks>State-dict keys: <c>self_attention</c>, <c>cross_attention</c>, <c>temporal_attention</c> (each an attention layer).</remarks>
internal sealed class SpaceTimeAttentionBlock : nn.Module<Tensor, SpaceTimeStep, Tensor>
{
    private readonly SpatialAttention? self_attention;
    private readonly SpatialAttention? cross_attention;
    private readonly TemporalAttention? temporal_attention;

    private SpaceTimeAttentionBlock(int channels, bool spatial, SpaceTimeUNetOptions options) : base(nameof(SpaceTimeAttentionBlock))
    {
        var heads = channels / options.AttentionHeadChannels;
        if (spatial)
        {
            self_attention = new SpatialAttention(channels, heads);
            if (options.ContextDim > 0)
            {
                cross_attention = new SpatialAttention(channels, heads, options.ContextDim);
            }
        }
        if (options.TemporalAttention)
        {
            temporal_attention = new TemporalAttention(channels, heads, options.RelativePositionBuckets);
        }
        RegisterComponents();
    }

    /// <summary>The block for a level with <paramref name="channels"/> channels, or null when it would hold no layer.</summary>
    public static SpaceTimeAttentionBlock? Create(int channels, bool spatial, SpaceTimeUNetOptions options) =>
        spatial || options.TemporalAttention ? new SpaceTimeAttentionBlock(channels, spatial, options) : null;

    /// <summary>Applies the stack to frames <c>[T*B, C, H, W]</c> (channels-last); returns channels-last frames of the same shape.</summary>
    public override Tensor forward(Tensor frames, SpaceTimeStep step)
    {
        using var scope = NewDisposeScope();
        var (height, width) = (frames.shape[2], frames.shape[3]);
        var tokens = SpaceTimeLayout.ToFrameTokens(frames);
        if (self_attention is not null)
        {
            tokens = self_attention.call(tokens, step);
        }
        if (cross_attention is not null && step.Context is not null)
        {
            tokens = cross_attention.call(tokens, step);
        }
        if (temporal_attention is not null && !step.IndependentFrames)
        {
            // [T*B, H*W, C] and [T, B*H*W, C] are the same memory.
            var timeTokens = tokens.view(step.Frames, -1, tokens.shape[2]);
            tokens = temporal_attention.call(timeTokens, step).view(tokens.shape);
        }
        return SpaceTimeLayout.FromFrameTokens(tokens, height, width).MoveToOuterDisposeScope();
    }
}
