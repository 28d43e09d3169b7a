using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// The ResNet blocks of one resolution level, each followed by its attention stack when the level has one
/// (the shared body of <see cref="DownBlock"/>, <see cref="MidBlock"/> and <see cref="UpBlock"/>).
/// </summary>
/// <remarks>State-dict keys: <c>resnets.{j}</c> and, when the level has attention, <c>attentions.{j}</c> for block j.</remarks>
internal abstract class SpaceTimeLevel : nn.Module
{
    private readonly ModuleList<SpaceTimeResBlock> resnets = new();
    private readonly ModuleList<SpaceTimeAttentionBlock> attentions = new();

    /// <summary>Creates the level from the input channel count of each of its ResNet blocks and which attention layers follow them.</summary>
    protected SpaceTimeLevel(string name, IReadOnlyList<int> inChannels, int channels, bool spatialAttention, bool jointAttention, SpaceTimeUNetOptions options)
        : base(name)
    {
        foreach (var input in inChannels)
        {
            resnets.Add(new SpaceTimeResBlock(input, channels, options));
            if (SpaceTimeAttentionBlock.Create(channels, spatialAttention, jointAttention, options) is { } attention)
            {
                attentions.Add(attention);
            }
        }
    }

    /// <summary>Number of ResNet blocks.</summary>
    protected int Count => resnets.Count;

    /// <summary>ResNet block j then its attention stack, on channels-last frames.</summary>
    protected Tensor Block(int j, Tensor h, SpaceTimeStep step)
    {
        using var scope = NewDisposeScope();
        h = resnets[j].call(h, step);
        if (attentions.Count > 0)
        {
            h = attentions[j].call(h, step);
        }
        return h.MoveToOuterDisposeScope();
    }
}
