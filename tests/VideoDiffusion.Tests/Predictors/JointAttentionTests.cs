using VideoDiffusion.Predictors;
using VideoDiffusion.Tests.TestSupport;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;

namespace VideoDiffusion.Tests.Predictors;

/// <summary>Joint space-time attention inside the U-Net: where it sits, what it links, and that a fresh one changes nothing.</summary>
public sealed class JointAttentionTests
{
    // Only joint attention can carry anything between frames: no temporal convolution or attention, per-frame norms.
    private static readonly SpaceTimeUNetOptions FramesOnlyJoint = Micro with
    {
        TemporalConvolution = false,
        TemporalAttention = false,
        NormStatistics = NormStatistics.PerFrame,
        JointAttentionLevels = [1],
        ContextDim = 0,
        ConcatConditioningFrames = false,
    };

    [Fact]
    public void Constructor_JointLevels_PutALayerAfterEveryBlockOfThoseLevelsAndTheMiddle()
    {
        using var net = Build(Micro with { JointAttentionLevels = [1] });

        var layers = net.named_modules().Select(m => m.name).Where(n => n.EndsWith("joint_temporal_attention", StringComparison.Ordinal)).ToList();

        // Level 1 (the lowest of two): one block down, two up, and the middle block.
        layers.Should().HaveCount(4);
        layers.Should().OnlyContain(n => !n.StartsWith("down_blocks.0", StringComparison.Ordinal) && !n.StartsWith("up_blocks.1", StringComparison.Ordinal), "level 0 has none");
        net.named_parameters().Where(p => p.name.Contains("joint_temporal_attention")).Should().OnlyContain(p => SpaceTimeUNet.IsTemporal(p.name));
    }

    [Fact]
    public void Predict_FreshJointLayers_LeaveTheNetworkUnchanged()
    {
        using var without = Build(FramesOnlyJoint with { JointAttentionLevels = [] }, seed: 3);
        using var with = Build(FramesOnlyJoint, seed: 4);
        RandomizeOutput(without);
        var (missing, unexpected) = with.load_state_dict(without.state_dict(), strict: false);
        missing.Should().NotBeEmpty().And.OnlyContain(k => k.Contains("joint_temporal_attention"));
        unexpected.Should().BeEmpty();
        using var scope = NewDisposeScope();
        var x = Normal([2, 3, 4, 8, 8], seed: 5);
        var t = Timesteps(2, 6);

        Tensors.MaxAbsDiff(with.Predict(x, t), without.Predict(x, t)).Should().Be(0.0, "a fresh joint layer adds zero");
    }

    [Fact]
    public void Predict_TrainedJointLayers_CarryAFarCornerOfOneFrameToTheOtherFramesUnlessIndependent()
    {
        using var net = Build(FramesOnlyJoint, seed: 7);
        RandomizeOutput(net);
        Randomize(net, k => k.Contains("joint_temporal_attention.to_out"), seed: 8);
        using var scope = NewDisposeScope();
        var x = Normal([2, 3, 4, 8, 8], seed: 9);
        var changed = x.clone();
        changed[0, .., 3, 6.., 6..] = Normal([3, 2, 2], seed: 10);   // bottom-right corner of the last frame of clip 0
        var t = Timesteps(2, 11);
        var independent = new Conditioning { IndependentFrames = true };

        var before = net.Predict(x, t);
        var after = net.Predict(changed, t);
        var frame0TopLeft = Tensors.MaxAbsDiff(before[0, .., 0, ..2, ..2], after[0, .., 0, ..2, ..2]);
        var otherClip = Tensors.MaxAbsDiff(before[1], after[1]);
        var separate = Tensors.MaxAbsDiff(net.Predict(x, t, independent)[.., .., ..3], net.Predict(changed, t, independent)[.., .., ..3]);

        frame0TopLeft.Should().BeGreaterThan(1e-5, "the joint layer links every position of every frame of a clip");
        otherClip.Should().Be(0.0, "clips never see each other");
        separate.Should().Be(0.0, "independent frames skip the joint layer");
    }
}
