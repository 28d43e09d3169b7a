using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// The attention stack that follows a ResNet block (diffusers' <c>unet_3d_blocks</c> order): spatial self-attention
/// within each frame, cross-attention to the context, then temporal self-attention along the frames at each pixel
/// (Ho et al. 2022, factorized space-time attention), then, at the levels that have it, joint space-time attention over
/// all frames and positions of a clip (<see cref="JointAttention"/>). Each part is optional; the temporal parts are
/// skipped when the frames are independent.
/// </summary>
/// <remarks>State-dict keys: <c>self_attention</c>, <c>cross_attention</c>, <c>temporal_attention</c>,
/// <c>joint_temporal_attention</c> (each an attention layer).</remarks>
internal sealed class SpaceTimeAttentionBlock : nn.Module<Tensor, SpaceTimeStep, Tensor>
{
    private readonly SpatialAttention? self_attention;
    private readonly SpatialAttention? cross_attention;
    private readonly TemporalAttention? temporal_attention;
    private readonly JointAttention? joint_temporal_attention;

    private SpaceTimeAttentionBlock(int channels, bool spatial, bool joint, SpaceTimeUNetOptions options) : base(nameof(SpaceTimeAttentionBlock))
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
        if (joint)
        {
            joint_temporal_attention = new JointAttention(channels, heads);
        }
        RegisterComponents();
    }

    /// <summary>
    /// The block for a level with <paramref name="channels"/> channels, with spatial attention when
    /// <paramref name="spatial"/> and joint space-time attention when <paramref name="joint"/>; null when it would hold no layer.
    /// </summary>
    public static SpaceTimeAttentionBlock? Create(int channels, bool spatial, bool joint, SpaceTimeUNetOptions options) =>
        spatial || joint || options.TemporalAttention ? new SpaceTimeAttentionBlock(channels, spatial, joint, options) : null;

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
        if (joint_temporal_attention is not null && !step.IndependentFrames)
        {
            tokens = joint_temporal_attention.call(tokens, step);
        }
        return SpaceTimeLayout.FromFrameTokens(tokens, height, width).MoveToOuterDisposeScope();
    }
}
