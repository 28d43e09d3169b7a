using TorchSharp.Modules;
using VideoDiffusion.Predictors;
using VideoDiffusion.Tests.TestSupport;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Tests.Predictors;

public sealed class NormStatisticsTests
{
    private static SpaceTimeUNetOptions TinyWith(NormStatistics statistics) => KnownSpaceTimeUNets.Tiny with { NormStatistics = statistics };

    [Theory]
    [InlineData(4, 2, 8)]
    [InlineData(3, 1, 4)]
    public void Apply_ClipStatistics_IsGroupNormOverTheFramesOfEachClip(long frames, long batch, int groups)
    {
        using var scope = NewDisposeScope();
        const long channels = 16, height = 6, width = 5;
        using var norm = nn.GroupNorm(groups, channels);
        using (no_grad())
        {
            norm.weight!.copy_(Normal([channels], seed: 1));
            norm.bias!.copy_(Normal([channels], seed: 2));
        }
        // Frames [T*B, C, H, W] in channels-last memory, frame-major as the U-Net holds them; a non-zero mean per clip.
        var videos = Normal([batch, channels, frames, height, width], seed: 3).add_(Normal([batch, 1, 1, 1, 1], seed: 4));
        var x = SpaceTimeLayout.ToFrames(videos);
        var step = new SpaceTimeStep { Frames = frames, Batch = batch, Embedding = zeros(batch, 1), ClipStatistics = true };

        var y = SpaceTimeNorm.Apply(norm, groups, x, step);

        // Reference: PyTorch's GroupNorm on [B, C, T*H, W], where every group spans all frames of a clip.
        var expected = F.group_norm(videos.reshape(batch, channels, frames * height, width), groups, norm.weight, norm.bias, 1e-5)
            .view(batch, channels, frames, height, width).permute(2, 0, 1, 3, 4).reshape(frames * batch, channels, height, width);
        Tensors.MaxAbsDiff(y, expected).Should().BeLessThan(2e-5);
        y.permute(0, 2, 3, 1).is_contiguous().Should().BeTrue("the layers that follow work on channels-last memory");
        // Per-frame statistics are a different function of the same input.
        var perFrame = SpaceTimeNorm.Apply(norm, groups, x, new SpaceTimeStep { Frames = frames, Batch = batch, Embedding = zeros(batch, 1) });
        Tensors.MaxAbsDiff(perFrame, expected).Should().BeGreaterThan(1e-2);
    }

    [Fact]
    public void Predict_PerClipAtInitialisation_MixesFramesUnlessIndependent()
    {
        using var perClip = Build(TinyWith(NormStatistics.PerClip));
        using var perFrame = Build(TinyWith(NormStatistics.PerFrame));
        RandomizeOutput(perClip);
        RandomizeOutput(perFrame);
        using var scope = NewDisposeScope();
        var x = Normal([2, 3, 4, 8, 8], seed: 11);
        var changed = x.clone();
        changed[.., .., 2] = Normal([2, 3, 8, 8], seed: 12);
        var t = Timesteps(2, 13);
        var independent = new Conditioning { IndependentFrames = true };

        var mixed = Tensors.MaxAbsDiff(perClip.Predict(x, t)[.., .., ..2], perClip.Predict(changed, t)[.., .., ..2]);
        var separate = Tensors.MaxAbsDiff(perClip.Predict(x, t, independent)[.., .., ..2], perClip.Predict(changed, t, independent)[.., .., ..2]);

        mixed.Should().BeGreaterThan(1e-4, "every norm takes its statistics over all frames, so frame 2 reaches frames 0 and 1");
        separate.Should().BeLessThan(1e-6, "independent frames take per-frame statistics");
        Tensors.MaxAbsDiff(perClip.Predict(x, t, independent), perFrame.Predict(x, t)).Should().BeLessThan(1e-5,
            "same weights, per-frame statistics: the same function");
    }

    [Fact]
    public void Constructor_TemporalInitScale_DrawsTemporalWeightsInTheScaledRangeAndLeavesBiasesAtZero()
    {
        using var net = Build(Micro with { TemporalInitScale = 0.1 }, seed: 5);
        using var zero = Build(Micro, seed: 5);
        var temporal = net.named_parameters().Where(p => IsZeroInitialized(p.name) && !p.name.StartsWith("conv_out", StringComparison.Ordinal)).ToList();

        temporal.Should().NotBeEmpty();
        foreach (var (name, parameter) in temporal)
        {
            var largest = parameter.abs().max().item<float>();
            if (name.EndsWith(".weight", StringComparison.Ordinal) && !name.Contains("relative_position", StringComparison.Ordinal))
            {
                var bound = 0.1 / Math.Sqrt(parameter.numel() / parameter.shape[0]);
                largest.Should().BeGreaterThan((float)(bound / 2), name).And.BeLessThanOrEqualTo((float)bound, name);
            }
            else
            {
                largest.Should().Be(0f, name);
            }
        }
        net.named_parameters().Single(p => p.name == "conv_out.weight").parameter.abs().max().item<float>().Should().Be(0f);
        zero.named_parameters().Where(p => IsZeroInitialized(p.name)).Should().OnlyContain(p => p.parameter.abs().max().item<float>() == 0f);
    }

    [Fact]
    public void Options_NewFields_RangeCheckedAndPartOfEquality()
    {
        FluentActions.Invoking(() => KnownSpaceTimeUNets.Tiny with { TemporalInitScale = -0.1 }).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("TemporalInitScale");
        FluentActions.Invoking(() => KnownSpaceTimeUNets.Tiny with { TemporalInitScale = double.NaN }).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => KnownSpaceTimeUNets.Tiny with { NormStatistics = (NormStatistics)7 }).Should().Throw<ArgumentOutOfRangeException>().WithParameterName("NormStatistics");
        (TinyWith(NormStatistics.PerClip) == TinyWith(NormStatistics.PerFrame)).Should().BeFalse();
        (KnownSpaceTimeUNets.Tiny with { TemporalInitScale = 0.1 }).Should().NotBe(KnownSpaceTimeUNets.Tiny);
        TinyWith(NormStatistics.PerClip).Should().Be(TinyWith(NormStatistics.PerClip));
    }
}
