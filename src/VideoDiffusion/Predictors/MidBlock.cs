using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// The bottleneck at the lowest resolution (DDPM's middle block): ResNet block, attention stack (spatial
/// self-attention always, cross-attention with a context, temporal attention when enabled), ResNet block.
/// </summary>
/// <remarks>State-dict keys: <c>resnets.0</c>, <c>attentions.0</c>, <c>resnets.1</c>.</remarks>
internal sealed class MidBlock : nn.Module<Tensor, SpaceTimeStep, Tensor>
{
    private readonly ModuleList<SpaceTimeResBlock> resnets = new();
    private readonly ModuleList<SpaceTimeAttentionBlock> attentions = new();

    /// <summary>Creates the middle block for the lowest level's channels.</summary>
    public MidBlock(SpaceTimeUNetOptions options) : base(nameof(MidBlock))
    {
        var channels = options.ChannelsAt(options.Levels - 1);
        resnets.Add(new SpaceTimeResBlock(channels, channels, options));
        attentions.Add(SpaceTimeAttentionBlock.Create(channels, spatial: true, joint: options.JointAttentionLevels.Contains(options.Levels - 1), options)!);
        resnets.Add(new SpaceTimeResBlock(channels, channels, options));
        RegisterComponents();
    }

    /// <summary>Applies the block to channels-last frames.</summary>
    public override Tensor forward(Tensor h, SpaceTimeStep step)
    {
        using var scope = NewDisposeScope();
        h = resnets[0].call(h, step);
        h = attentions[0].call(h, step);
        return resnets[1].call(h, step).MoveToOuterDisposeScope();
    }
}
