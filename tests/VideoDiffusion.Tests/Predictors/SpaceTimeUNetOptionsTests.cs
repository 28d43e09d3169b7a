using System.Text.Json;
using VideoDiffusion.Predictors;

namespace VideoDiffusion.Tests.Predictors;

public class SpaceTimeUNetOptionsTests
{
    [Fact]
    public void Defaults_AreTheDocumentedValues()
    {
        var o = new SpaceTimeUNetOptions();

        o.InChannels.Should().Be(3);
        o.OutChannels.Should().Be(3);
        o.BaseChannels.Should().Be(64);
        o.ChannelMultipliers.Should().Equal(1, 2, 4);
        o.ResBlocksPerLevel.Should().Be(2);
        o.AttentionLevels.Should().Equal(1, 2);
        o.JointAttentionLevels.Should().BeEmpty();
        o.AttentionHeadChannels.Should().Be(32);
        o.NormGroups.Should().Be(32);
        o.TemporalConvolution.Should().BeTrue();
        o.TemporalAttention.Should().BeTrue();
        o.RelativePositionBuckets.Should().Be(32);
        o.RelativePositionMaxDistance.Should().Be(128);
        o.Dropout.Should().Be(0.0);
        o.NumClasses.Should().Be(0);
        o.ContextDim.Should().Be(0);
        o.ConcatConditioningFrames.Should().BeFalse();
        o.SpatialMultiple.Should().Be(4);
        o.EmbeddingChannels.Should().Be(256);
        (o with { ConcatConditioningFrames = true }).InputConvChannels.Should().Be(7);
    }

    public static TheoryData<string, Func<SpaceTimeUNetOptions>> OutOfRange => new()
    {
        { "InChannels", () => new SpaceTimeUNetOptions { InChannels = 0 } },
        { "OutChannels", () => new SpaceTimeUNetOptions { OutChannels = -1 } },
        { "BaseChannels", () => new SpaceTimeUNetOptions { BaseChannels = 0 } },
        { "ChannelMultipliers", () => new SpaceTimeUNetOptions { ChannelMultipliers = [] } },
        { "ChannelMultipliers", () => new SpaceTimeUNetOptions { ChannelMultipliers = [1, 0] } },
        { "ResBlocksPerLevel", () => new SpaceTimeUNetOptions { ResBlocksPerLevel = 0 } },
        { "AttentionLevels", () => new SpaceTimeUNetOptions { AttentionLevels = [-1] } },
        { "AttentionHeadChannels", () => new SpaceTimeUNetOptions { AttentionHeadChannels = 0 } },
        { "NormGroups", () => new SpaceTimeUNetOptions { NormGroups = 0 } },
        { "RelativePositionBuckets", () => new SpaceTimeUNetOptions { RelativePositionBuckets = 3 } },
        { "RelativePositionMaxDistance", () => new SpaceTimeUNetOptions { RelativePositionMaxDistance = 0 } },
        { "Dropout", () => new SpaceTimeUNetOptions { Dropout = 1.0 } },
        { "Dropout", () => new SpaceTimeUNetOptions { Dropout = double.NaN } },
        { "NumClasses", () => new SpaceTimeUNetOptions { NumClasses = -1 } },
        { "ContextDim", () => new SpaceTimeUNetOptions { ContextDim = -2 } },
        { "AttentionLevels", () => new SpaceTimeUNetOptions { AttentionLevels = [3] }.Validate() },
        { "JointAttentionLevels", () => new SpaceTimeUNetOptions { JointAttentionLevels = [-1] } },
        { "JointAttentionLevels", () => new SpaceTimeUNetOptions { JointAttentionLevels = [3] }.Validate() },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Init_ValueOutOfRange_ThrowsNamingTheProperty(string property, Func<SpaceTimeUNetOptions> create)
    {
        var act = () => create();

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be(property);
    }

    [Fact]
    public void Validate_ChannelsNotDivisible_ThrowsArgumentException()
    {
        var groups = () => new SpaceTimeUNetOptions { BaseChannels = 48, NormGroups = 32 }.Validate();
        var heads = () => new SpaceTimeUNetOptions { BaseChannels = 48, NormGroups = 16, AttentionHeadChannels = 32 }.Validate();

        groups.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("NormGroups");
        heads.Should().Throw<ArgumentException>().Which.Message.Should().Contain("48");
    }

    [Fact]
    public void Validate_HeadChannelsIrrelevantWithoutAttentionAtALevel_Passes()
    {
        // Level 0 (48 channels) has neither spatial nor temporal attention, so 32-channel heads need not divide it.
        var o = new SpaceTimeUNetOptions
        {
            BaseChannels = 48, ChannelMultipliers = [1, 2], AttentionLevels = [1], NormGroups = 16, TemporalAttention = false,
        };

        o.Validate().Should().BeSameAs(o);
    }

    [Fact]
    public void Equals_ListsCompareByValue_AndHashAgrees()
    {
        var a = new SpaceTimeUNetOptions { ChannelMultipliers = new List<int> { 1, 2 }, AttentionLevels = [1, 1] };
        var b = new SpaceTimeUNetOptions { ChannelMultipliers = [1, 2], AttentionLevels = [1] };

        a.Should().Be(b);
        a.GetHashCode().Should().Be(b.GetHashCode());
        (a with { ChannelMultipliers = [1, 3] }).Should().NotBe(b);
        (a with { JointAttentionLevels = [1] }).Should().NotBe(b).And.NotBe(a with { JointAttentionLevels = [0] });
        (a with { JointAttentionLevels = [1, 1] }).Should().Be(b with { JointAttentionLevels = [1] });
        a.ToString().Should().Contain("ChannelMultipliers = [1, 2]");
    }

    [Fact]
    public void Init_CopiesTheList_LaterChangesDoNotLeakIn()
    {
        var source = new List<int> { 1, 2 };
        var o = new SpaceTimeUNetOptions { ChannelMultipliers = source };

        source[1] = 8;

        o.ChannelMultipliers.Should().Equal(1, 2);
    }

    [Fact]
    public void Json_RoundTrip_GivesAnEqualDefinition()
    {
        var o = KnownSpaceTimeUNets.Small with
        {
            NumClasses = 10, ContextDim = 32, Dropout = 0.1, ConcatConditioningFrames = true, JointAttentionLevels = [2],
        };

        var json = JsonSerializer.Serialize(o);
        var back = JsonSerializer.Deserialize<SpaceTimeUNetOptions>(json);

        back.Should().Be(o);
        json.Should().Contain("\"ChannelMultipliers\":[1,2,3]").And.NotContain("SpatialMultiple", "derived values are not stored");
    }

    [Fact]
    public void Presets_ParameterCounts_AreTheDocumentedExactNumbers()
    {
        // The numbers in docs/predictors.md; the formula mirrors the documented architecture.
        UNetTestSupport.ExpectedParameterCount(KnownSpaceTimeUNets.Tiny).Should().Be(1_537_027);
        UNetTestSupport.ExpectedParameterCount(KnownSpaceTimeUNets.Small).Should().Be(14_786_563);
        UNetTestSupport.ExpectedParameterCount(KnownSpaceTimeUNets.Base).Should().Be(BaseParameterCount);
        KnownSpaceTimeUNets.Tiny.Validate();
        KnownSpaceTimeUNets.Small.Validate();
        KnownSpaceTimeUNets.Base.Validate();
    }

    [Fact]
    public void ParameterCount_OfBuiltNetworks_MatchesTheDocumentedArchitecture()
    {
        var variants = new[]
        {
            KnownSpaceTimeUNets.Tiny,
            UNetTestSupport.Micro,
            UNetTestSupport.Micro with { TemporalConvolution = false, TemporalAttention = false, InChannels = 4, OutChannels = 8 },
            UNetTestSupport.Micro with { AttentionLevels = [], ResBlocksPerLevel = 2, ChannelMultipliers = [1, 1, 2] },
            UNetTestSupport.Micro with { JointAttentionLevels = [0, 1] },
            UNetTestSupport.Micro with { JointAttentionLevels = [0], TemporalAttention = false, AttentionLevels = [] },
        };
        foreach (var options in variants)
        {
            using var net = UNetTestSupport.Build(options);

            net.ParameterCount.Should().Be(UNetTestSupport.ExpectedParameterCount(options), options.ToString());
            net.TemporalParameterCount.Should().Be(
                net.named_parameters().Where(p => p.name.Contains("temporal")).Sum(p => p.parameter.numel()));
        }
        using var tiny = UNetTestSupport.Build(KnownSpaceTimeUNets.Tiny);
        tiny.ParameterCount.Should().BeInRange(1_000_000, 2_000_000);
    }

    private const long BaseParameterCount = 74_216_771;
}
