using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Predictors;

/// <summary>
/// One level of the expanding path: <c>ResBlocksPerLevel + 1</c> ResNet blocks, each fed the previous output
/// concatenated on channels with the matching skip connection of the contracting path (DDPM), each followed by its
/// attention stack; then, except at full resolution, nearest-neighbour 2x upsampling in space and a 3x3 convolution.
/// </summary>
/// <remarks>State-dict keys: <c>resnets.{j}</c>, <c>attentions.{j}</c>, <c>upsample</c> (the convolution).</remarks>
internal sealed class UpBlock : SpaceTimeLevel
{
    private readonly Conv2d? upsample;

    /// <summary>Creates level <paramref name="level"/>, entered with <paramref name="inChannels"/> channels, consuming
    /// skip connections of the channel counts <paramref name="skipChannels"/> (in the order they are popped).</summary>
    public UpBlock(int level, int inChannels, IReadOnlyList<int> skipChannels, SpaceTimeUNetOptions options)
        : base(nameof(UpBlock), Inputs(level, inChannels, skipChannels, options), options.ChannelsAt(level), options.AttentionLevels.Contains(level),
            options.JointAttentionLevels.Contains(level), options)
    {
        if (level > 0)
        {
            var channels = options.ChannelsAt(level);
            upsample = nn.Conv2d(channels, channels, 3, padding: 1);
        }
        RegisterComponents();
    }

    /// <summary>Runs the level on channels-last frames, popping one skip connection per ResNet block.</summary>
    public Tensor Forward(Tensor h, SpaceTimeStep step, Stack<Tensor> skips)
    {
        for (var j = 0; j < Count; j++)
        {
            using var scope = NewDisposeScope();
            var joined = cat([h, skips.Pop()], 1);
            h = Block(j, joined, step).MoveToOuterDisposeScope();
        }
        if (upsample is not null)
        {
            h = upsample.call(F.interpolate(h, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest));
        }
        return h;
    }

    private static int[] Inputs(int level, int inChannels, IReadOnlyList<int> skipChannels, SpaceTimeUNetOptions options)
    {
        var inputs = new int[skipChannels.Count];
        for (var j = 0; j < inputs.Length; j++)
        {
            inputs[j] = (j == 0 ? inChannels : options.ChannelsAt(level)) + skipChannels[j];
        }
        return inputs;
    }
}
