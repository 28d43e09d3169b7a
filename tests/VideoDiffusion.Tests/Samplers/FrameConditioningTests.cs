using VideoDiffusion.Diffusion;
using VideoDiffusion.Samplers;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;
using Xunit.Abstractions;

namespace VideoDiffusion.Tests.Samplers;

/// <summary>
/// Conditioning on known frames with a Gaussian prior whose frames are correlated (AR(1), rho = 0.9), where the exact
/// conditional mean of the unknown frames is closed-form.
/// </summary>
public sealed class FrameConditioningTests(ITestOutputHelper output)
{
    private const int Frames = 4;
    private const int Draws = 2000;
    private static readonly CorrelatedFramesDenoiser Prior = CorrelatedFramesDenoiser.Ar1(Frames, 0.9);

    /// <summary>Known frames for every draw: frame 0 (image-to-video) or frames 0 and 3 (interpolation).</summary>
    private static KnownFrames Known(int[] positions)
    {
        using var values = tensor(new[] { 1.5, -0.8 }.Take(positions.Length).ToArray(), ScalarType.Float32).reshape(1, 1, positions.Length, 1, 1);
        using var keyFrames = values.expand(Draws, 1, positions.Length, 1, 1).contiguous();
        return KnownFrames.AtPositions(keyFrames, positions, Frames);
    }

    private static Tensor Sample(ISampler sampler, IDenoiser denoiser, int steps = 50)
    {
        var plan = TestPlans.Trailing(steps);
        using var context = SamplingContext.FromSeeds([3]);
        using var z = TestPlans.Normal(17, ScalarType.Float32, Draws, 1, Frames, 1, 1);
        using var xT = z * plan[0].Sigma;
        return sampler.Sample(denoiser, xT, plan, context);
    }

    public static TheoryData<string> SamplerNames => ["DDIM", "DPM-Solver++(2M)", "Euler ancestral", "UniPC(bh2, p=2)", "Heun"];

    [Theory]
    [MemberData(nameof(SamplerNames))]
    public void Replacement_AnySampler_ReproducesTheKnownFrames(string name)
    {
        var sampler = KnownSamplers.All.Single(s => s.Name == name);
        int[] positions = [0, 3];
        using var known = Known(positions);
        using var x = Sample(sampler, new ReplacementConditioning(Prior, known), 25);
        using var index = tensor(new long[] { 0, 3 });
        using var got = x.index_select(2, index);
        using var want = known.Frames.index_select(2, index);
        Tensors.MaxAbsDiff(got, want).Should().BeLessThan(1e-5);
    }

    [Theory]
    [InlineData(new[] { 0 })]
    [InlineData(new[] { 0, 3 })]
    public void ReconstructionGuidance_LandsCloserToTheExactConditionalMeanThanReplacement(int[] positions)
    {
        using var known = Known(positions);
        using var exact = Prior.ConditionalMean(known.Frames.narrow(0, 0, 1).to(ScalarType.Float64), positions);
        var unknown = Enumerable.Range(0, Frames).Except(positions).Select(i => (long)i).ToArray();
        double Distance(IDenoiser denoiser, string label)
        {
            using var x = Sample(KnownSamplers.Ddim, denoiser);
            using var index = tensor(unknown);
            using var mean = x.index_select(2, index).to(ScalarType.Float64).mean([0], keepdim: true);
            var d = Tensors.MaxAbsDiff(mean, exact);
            output.WriteLine($"known {string.Join(",", positions)}: {label}: mean of unknown frames [{string.Join(", ", Tensors.ToDoubles(mean).Select(v => v.ToString("F3")))}], exact [{string.Join(", ", Tensors.ToDoubles(exact).Select(v => v.ToString("F3")))}], max distance {d:F3}");
            return d;
        }
        var replacement = Distance(new ReplacementConditioning(Prior, known), "replacement");
        var guided = Distance(new ReconstructionGuidance(Prior, known), "reconstruction guidance w=1");
        var strong = Distance(new ReconstructionGuidance(Prior, known, weight: 5), "reconstruction guidance w=5");
        guided.Should().BeLessThan(replacement);
        strong.Should().BeLessThan(guided);
    }

    [Fact]
    public void ReconstructionGuidance_PerClip_ClipOfBatchEqualsClipAlone()
    {
        using var frames = TestPlans.Normal(5, ScalarType.Float32, 3, 1, 1, 1, 1);
        using var known = KnownFrames.Prefix(frames, Frames);
        using var firstFrames = frames.narrow(0, 2, 1);
        using var knownAlone = KnownFrames.Prefix(firstFrames, Frames);
        var plan = TestPlans.Trailing(15);
        using var batchContext = SamplingContext.FromSeeds([1, 2, 3]);
        using var batch = KnownSamplers.Ddpm.Generate(new ReconstructionGuidance(Prior, known, 2), [3, 1, Frames, 1, 1], plan, batchContext);
        using var aloneContext = SamplingContext.FromSeeds([3]);
        using var alone = KnownSamplers.Ddpm.Generate(new ReconstructionGuidance(Prior, knownAlone, 2), [1, 1, Frames, 1, 1], plan, aloneContext);
        using var clip = batch.narrow(0, 2, 1);
        Tensors.MaxAbsDiff(clip, alone).Should().BeLessThan(1e-6);
    }

    [Fact]
    public void KnownFrames_Factories_BuildFramesAndMask()
    {
        using var keys = tensor(new float[] { 1, 2, 3, 4 }, [2, 1, 2, 1, 1]);
        using var known = KnownFrames.AtPositions(keys, [3, 1], 5);
        Tensors.ToDoubles(known.Frames).Should().Equal(0, 2, 0, 1, 0, 0, 4, 0, 3, 0);
        Tensors.ToDoubles(known.Mask).Should().Equal(0, 1, 0, 1, 0, 0, 1, 0, 1, 0);
        using var prefix = KnownFrames.Prefix(keys, 3);
        Tensors.ToDoubles(prefix.Mask).Should().Equal(1, 1, 0, 1, 1, 0);
        using var mask = tensor(new float[] { 0, 1, 1, 0, 0, 0 }, [2, 3]);
        using var video = TestPlans.Normal(1, ScalarType.Float32, 2, 1, 3, 1, 1);
        using var fromMask = KnownFrames.FromMask(video, mask);
        using var pasted = fromMask.Paste(zeros_like(video));
        Tensors.ToDoubles(pasted).Should().Equal(Tensors.ToDoubles(video).Select((v, i) => i is 1 or 2 ? v : 0));

        var repeated = () => KnownFrames.AtPositions(keys, [1, 1], 5);
        repeated.Should().Throw<ArgumentException>().WithParameterName("positions");
        var outside = () => KnownFrames.AtPositions(keys, [0, 5], 5);
        outside.Should().Throw<ArgumentOutOfRangeException>();
        var badMask = () => KnownFrames.FromMask(video, zeros([2, 4]));
        badMask.Should().Throw<ArgumentException>().WithParameterName("mask");
        using var x = zeros([2, 1, 4, 1, 1]);
        var shape = () => new ReplacementConditioning(Prior, fromMask).Denoise(x, TestPlans.Linear.Level(10));
        shape.Should().Throw<ArgumentException>().WithParameterName("xt");
    }
}
