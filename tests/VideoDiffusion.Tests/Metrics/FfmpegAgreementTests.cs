using VideoDiffusion.Metrics;

namespace VideoDiffusion.Tests.Metrics;

/// <summary>SSIM and PSNR agree with ffmpeg's filters and an independent NumPy reference on the fixture pairs (Fixtures/Metrics).</summary>
public sealed class FfmpegAgreementTests
{
    [Fact]
    public void Compute_FfmpegWindowOnFixturePairs_AgreesWithFfmpegSsimFilterWithin1e3()
    {
        using var reference = MetricFixtures.Load("ref");
        using var distorted = MetricFixtures.Load("dist");
        var expected = MetricFixtures.FfmpegStat("ssim.log", "All");

        var scores = Ssim.Compute(distorted, reference, SsimOptions.Ffmpeg);

        expected.Should().HaveCount(3);
        for (var t = 0; t < 3; t++)
        {
            // ffmpeg prints 6 decimals and sums in single precision; our double result agrees far inside 1e-3.
            scores.PerFrame[0][t].Should().BeApproximately(expected[t], 1e-5, $"frame {t + 1}");
        }
    }

    [Fact]
    public void Compute_FixturePairs_AgreesWithFfmpegPsnrFilterWithin005Db()
    {
        using var reference = MetricFixtures.Load("ref");
        using var distorted = MetricFixtures.Load("dist");
        var expected = MetricFixtures.FfmpegStat("psnr.log", "psnr_avg");

        var scores = Psnr.Compute(distorted, reference);

        expected.Should().HaveCount(3);
        for (var t = 0; t < 3; t++)
        {
            // ffmpeg prints 2 decimals, so agreement is to its rounding (0.005 dB), well within the 0.05 dB asked for.
            scores.PerFrame[0][t].Should().BeApproximately(expected[t], 0.0051, $"frame {t + 1}");
        }
    }

    [Fact]
    public void Compute_GaussianWindowOnFixturePairs_MatchesNumpyReferenceOfWangEtAl()
    {
        using var reference = MetricFixtures.Load("ref");
        using var distorted = MetricFixtures.Load("dist");
        var expectedSsim = MetricFixtures.Reference(1);
        var expectedPsnr = MetricFixtures.Reference(2);

        var ssim = Ssim.Compute(distorted, reference);
        var psnr = Psnr.Compute(distorted, reference);

        for (var t = 0; t < 3; t++)
        {
            ssim.PerFrame[0][t].Should().BeApproximately(expectedSsim[t], 1e-9, $"frame {t + 1}");
            psnr.PerFrame[0][t].Should().BeApproximately(expectedPsnr[t], 1e-9, $"frame {t + 1}");
        }
    }
}
