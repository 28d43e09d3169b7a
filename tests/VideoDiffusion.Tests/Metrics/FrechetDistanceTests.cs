using MathNet.Numerics.LinearAlgebra;
using VideoDiffusion.Metrics;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Metrics;

public sealed class FrechetDistanceTests
{
    private static readonly MatrixBuilder<double> M = Matrix<double>.Build;
    private static readonly VectorBuilder<double> V = Vector<double>.Build;

    [Fact]
    public void Compute_IdenticalFeatureSets_IsZero()
    {
        using var features = randn(new long[] { 50, 6 }, ScalarType.Float64, generator: Tensors.Seeded(1));

        FrechetDistance.Compute(features, features).Should().BeApproximately(0, 1e-10);
    }

    [Fact]
    public void Compute_EqualCovariances_IsSquaredMeanDistance()
    {
        var a = M.Random(5, 5, new MathNet.Numerics.Distributions.Normal(0, 1, new Random(2)));
        var covariance = a * a.Transpose() + M.DenseIdentity(5) * 0.1;
        var mu1 = V.DenseOfArray([1, 2, 3, 4, 5]);
        var mu2 = V.DenseOfArray([0, 2, 5, 4, 4.5]);

        var d = FrechetDistance.Compute(mu1, covariance, mu2, covariance);

        d.Should().BeApproximately(1 + 0 + 4 + 0 + 0.25, 1e-9);
    }

    [Fact]
    public void Compute_DiagonalCovariances_MatchesClosedForm()
    {
        double[] s1 = [4, 1, 0.25, 9], s2 = [1, 1, 1, 16];
        var mu1 = V.DenseOfArray([0, 1, 0, 0]);
        var mu2 = V.DenseOfArray([0, 0, 0, 2]);

        var d = FrechetDistance.Compute(mu1, M.DenseOfDiagonalArray(s1), mu2, M.DenseOfDiagonalArray(s2));

        // |mu1 - mu2|^2 + sum (sqrt(s1) - sqrt(s2))^2 = 5 + (1 + 0 + 0.25 + 1)
        d.Should().BeApproximately(5 + 2.25, 1e-12);
    }

    [Fact]
    public void Compute_NonCommutingTwoByTwo_MatchesTraceOfSquareRootClosedForm()
    {
        // For 2 x 2 P = S1 S2 with positive eigenvalues, Tr sqrt(P) = sqrt(Tr P + 2 sqrt(det P)).
        var s1 = M.DenseOfArray(new double[,] { { 2, 0.7 }, { 0.7, 1 } });
        var s2 = M.DenseOfArray(new double[,] { { 1, -0.4 }, { -0.4, 3 } });
        var p = s1 * s2;
        var traceSqrt = Math.Sqrt(p.Trace() + 2 * Math.Sqrt(p.Determinant()));
        var zero = V.Dense(2);

        var d = FrechetDistance.Compute(zero, s1, zero, s2);

        d.Should().BeApproximately(s1.Trace() + s2.Trace() - 2 * traceSqrt, 1e-12);
    }

    [Fact]
    public void Accumulate_InBatches_EqualsOneShotStatisticsWithUnbiasedCovariance()
    {
        using var features = randn(new long[] { 40, 3 }, ScalarType.Float64, generator: Tensors.Seeded(4)).add(1000);
        var streamed = new FeatureStatistics(3);
        foreach (var (start, count) in new[] { (0, 7), (7, 1), (8, 20), (28, 12) })
        {
            using var part = features.narrow(0, start, count);
            streamed.Add(part);
        }
        var rows = M.DenseOfRowArrays(Enumerable.Range(0, 40).Select(i => Tensors.ToDoubles(features[i])).ToArray());
        var mean = rows.ColumnSums() / 40;
        var centered = rows - M.Dense(40, 3, (i, j) => mean[j]);
        var covariance = centered.TransposeThisAndMultiply(centered) / 39;

        streamed.Count.Should().Be(40);
        (streamed.Mean - mean).InfinityNorm().Should().BeLessThan(1e-10);
        (streamed.Covariance - covariance).InfinityNorm().Should().BeLessThan(1e-9);
    }

    [Fact]
    public void Compute_WithExtractor_IsFrechetDistanceOfExtractedFeatures()
    {
        // Features = per-channel means of each clip; the reference set is the generated set shifted by +0.5 in model
        // space, so its features shift by 0.5 in each of 3 dimensions with equal covariance: d = 3 * 0.25.
        var extractor = new ChannelMeans();
        using var generated = rand(new long[] { 16, 3, 2, 4, 4 }, generator: Tensors.Seeded(5));
        using var reference = generated + 0.5;
        var batches = new[] { generated.narrow(0, 0, 9), generated.narrow(0, 9, 7) };
        var references = new[] { reference.narrow(0, 0, 5), reference.narrow(0, 5, 11) };

        var d = FrechetDistance.Compute(extractor, batches, references);

        d.Should().BeApproximately(0.75, 1e-6);
        foreach (var t in batches.Concat(references))
        {
            t.Dispose();
        }
    }

    [Fact]
    public void Covariance_OneVector_ThrowsInvalidOperation()
    {
        var statistics = new FeatureStatistics(2);
        using var one = ones(1, 2);
        statistics.Add(one);

        var act = () => statistics.Covariance;

        act.Should().Throw<InvalidOperationException>().WithMessage("*at least 2*");
    }

    private sealed class ChannelMeans : IVideoFeatureExtractor
    {
        public int FeatureSize => 3;

        public Tensor Extract(Tensor videos) => videos.mean([2, 3, 4]);
    }
}
