using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// One level of the contracting path: <c>ResBlocksPerLevel</c> ResNet blocks (each with its attention stack) and, except at
/// the lowest resolution, a strided 3x3 convolution that halves H and W (space only: T is never resampled,
/// Ho et al. 2022). Every block output and the downsampled output are skip connections for the expanding path.
/// </summary>
/// <remarks>State-dict keys: <c>resnets.{j}</c>, <c>attentions.{j}</c>, <c>downsample</c>.</remarks>
internal sealed class DownBlock : SpaceTimeLevel
{
    private readonly Conv2d? downsample;

    /// <summary>Creates level <paramref name="level"/>, entered with <paramref name="inChannels"/> channels.</summary>
    public DownBlock(int level, int inChannels, SpaceTimeUNetOptions options)
        : base(nameof(DownBlock), Inputs(level, inChannels, options), options.ChannelsAt(level), options.AttentionLevels.Contains(level),
            options.JointAttentionLevels.Contains(level), options)
    {
        if (level < options.Levels - 1)
        {
            var channels = options.ChannelsAt(level);
            downsample = nn.Conv2d(channels, channels, 3, stride: 2, padding: 1);
        }
        RegisterComponents();
    }

    /// <summary>Runs the level on channels-last frames and pushes every skip connection onto <paramref name="skips"/>.</summary>
    public Tensor Forward(Tensor h, SpaceTimeStep step, Stack<Tensor> skips)
    {
        for (var j = 0; j < Count; j++)
        {
            h = Block(j, h, step);
            skips.Push(h);
        }
        if (downsample is not null)
        {
            h = downsample.call(h);
            skips.Push(h);
        }
        return h;
    }

    private static int[] Inputs(int level, int inChannels, SpaceTimeUNetOptions options)
    {
        var inputs = Enumerable.Repeat(options.ChannelsAt(level), options.ResBlocksPerLevel).ToArray();
        inputs[0] = inChannels;
        return inputs;
    }
}
