using VideoDiffusion.Samplers;
using VideoDiffusion.Tests.Samplers.Analytic;
using VideoDiffusion.Tests.TestSupport;
using Xunit.Abstractions;

namespace VideoDiffusion.Tests.Samplers;

/// <summary>
/// Long videos from a prior whose frames form an AR(1) chain (rho = 0.95), so that a continuation has a closed form:
/// E[x_(t+1) | x_1..x_t] = rho x_t, Var = 1 - rho^2.
/// </summary>
public sealed class VideoExtenderTests(ITestOutputHelper output)
{
    private const double Rho = 0.95;
    private static readonly CorrelatedFramesDenoiser Prior = CorrelatedFramesDenoiser.Ar1(4, Rho);

    private static VideoExtender Extender(double weight, int overlap = 2) =>
        new(KnownSamplers.DpmSolverPlusPlus2M, TestPlans.Trailing(20), k => new ReconstructionGuidance(Prior, k, weight), chunkFrames: 4, overlapFrames: overlap);

    /// <summary>Clips drawn from the prior: x_0 ~ N(0, 1), x_(t+1) = rho x_t + sqrt(1 - rho^2) n.</summary>
    private static Tensor Clips(int count, int frames)
    {
        using var n = TestPlans.Normal(31, ScalarType.Float32, count, 1, frames, 1, 1);
        var values = Tensors.ToDoubles(n);
        for (var c = 0; c < count; c++)
        {
            for (var t = 1; t < frames; t++)
            {
                values[c * frames + t] = Rho * values[c * frames + t - 1] + Math.Sqrt(1 - Rho * Rho) * values[c * frames + t];
            }
        }
        return tensor(values.Select(v => (float)v).ToArray(), [count, 1, frames, 1, 1]);
    }

    [Fact]
    public void Extend_KeepsTheClipAndContinuesItLikeTheChain()
    {
        const int count = 1000;
        using var clip = Clips(count, 4);
        using var context = SamplingContext.FromSeeds([5]);
        using var video = Extender(weight: 5).Extend(clip, 9, context);
        video.shape.Should().Equal(count, 1, 9, 1, 1);
        using var head = video.narrow(2, 0, 4);
        Tensors.MaxAbsDiff(head, clip).Should().Be(0);

        // Regress each new frame on the one before it: slope ~ rho, residual ~ N(0, 1 - rho^2).
        var v = Tensors.ToDoubles(video);
        for (var t = 4; t < 9; t++)
        {
            var previous = Enumerable.Range(0, count).Select(c => v[c * 9 + t - 1]).ToArray();
            var current = Enumerable.Range(0, count).Select(c => v[c * 9 + t]).ToArray();
            var slope = previous.Zip(current, (p, q) => p * q).Sum() / previous.Sum(p => p * p);
            var residual = previous.Zip(current, (p, q) => q - slope * p).ToArray();
            var residualStd = Math.Sqrt(residual.Sum(r => r * r) / count);
            output.WriteLine($"frame {t}: slope {slope:F3} (rho {Rho}), residual std {residualStd:F3} (exact {Math.Sqrt(1 - Rho * Rho):F3})");
            slope.Should().BeApproximately(Rho, 0.05);
            residualStd.Should().BeApproximately(Math.Sqrt(1 - Rho * Rho), 0.1);
        }
    }

    [Fact]
    public void Extend_PerClipSeedsAndOneNewFramePerChunk_ClipOfBatchEqualsClipAlone()
    {
        using var clips = Clips(3, 3);
        using var batchContext = SamplingContext.FromSeeds([1, 2, 3]);
        var extender = Extender(weight: 1, overlap: 3);
        using var batch = extender.Extend(clips, 6, batchContext);
        batch.shape.Should().Equal(3, 1, 6, 1, 1);
        using var second = clips.narrow(0, 1, 1);
        using var aloneContext = SamplingContext.FromSeeds([2]);
        using var alone = extender.Extend(second, 6, aloneContext);
        using var clip = batch.narrow(0, 1, 1);
        Tensors.MaxAbsDiff(clip, alone).Should().BeLessThan(1e-6);
    }

    [Fact]
    public void Extend_InvalidArguments_Throw()
    {
        var tooMuchOverlap = () => Extender(1, overlap: 4);
        tooMuchOverlap.Should().Throw<ArgumentOutOfRangeException>();
        using var clip = zeros([1, 1, 1, 1, 1]);
        using var context = SamplingContext.FromSeeds([1]);
        var shortClip = () => Extender(1).Extend(clip, 5, context);
        shortClip.Should().Throw<ArgumentException>().WithParameterName("clip");
        using var longer = zeros([1, 1, 4, 1, 1]);
        var shorter = () => Extender(1).Extend(longer, 3, context);
        shorter.Should().Throw<ArgumentOutOfRangeException>();
        var noGenerators = () => Extender(1).Extend(longer, 6, new SamplingContext());
        noGenerators.Should().Throw<ArgumentException>().WithParameterName("context");
    }
}
