using MathNet.Numerics.LinearAlgebra;
using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>
/// The Frechet (2-Wasserstein) distance between Gaussians fitted to two sets of feature vectors (Dowson and Landau,
/// 1982; used as FID by Heusel et al., 2017, and as FVD by Unterthiner et al., 2018, with I3D features):
/// <c>d^2 = |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))</c>.
/// Everything is in float64 with MathNet. <c>Tr (S1 S2)^(1/2)</c> is taken as <c>Tr (A S2 A)^(1/2)</c> with
/// <c>A = S1^(1/2)</c>: both square roots come from symmetric eigen-decompositions (negative eigenvalues from rounding
/// are clamped to 0), which avoids the complex intermediate values of a general <c>sqrtm</c>. The result is the squared
/// distance, as FID/FVD report it, clamped at 0.
/// </summary>
public static class FrechetDistance
{
    /// <summary>The Frechet distance between N(<paramref name="mean1"/>, <paramref name="covariance1"/>) and N(<paramref name="mean2"/>, <paramref name="covariance2"/>).</summary>
    /// <exception cref="ArgumentException">Dimensions disagree, a matrix is not square, or a value is not finite.</exception>
    public static double Compute(Vector<double> mean1, Matrix<double> covariance1, Vector<double> mean2, Matrix<double> covariance2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        ArgumentNullException.ThrowIfNull(covariance1);
        ArgumentNullException.ThrowIfNull(mean2);
        ArgumentNullException.ThrowIfNull(covariance2);
        var d = mean1.Count;
        if (mean2.Count != d || covariance1.RowCount != d || covariance1.ColumnCount != d || covariance2.RowCount != d || covariance2.ColumnCount != d)
        {
            throw new ArgumentException(
                $"Expected means of length D and D x D covariances with one D, got {mean1.Count}, {covariance1.RowCount} x {covariance1.ColumnCount}, {mean2.Count}, {covariance2.RowCount} x {covariance2.ColumnCount}.",
                nameof(covariance2));
        }
        if (!AllFinite(mean1) || !AllFinite(mean2) || !covariance1.Enumerate().All(double.IsFinite) || !covariance2.Enumerate().All(double.IsFinite))
        {
            throw new ArgumentException("Expected finite means and covariances.", nameof(covariance2));
        }
        var s1 = Symmetrize(covariance1);
        var s2 = Symmetrize(covariance2);
        var root1 = SymmetricSqrt(s1);
        var inner = Symmetrize(root1 * s2 * root1);
        var traceSqrt = inner.Evd(Symmetricity.Symmetric).EigenValues.Sum(e => Math.Sqrt(Math.Max(e.Real, 0.0)));
        var difference = mean1 - mean2;
        var distance = difference.DotProduct(difference) + s1.Trace() + s2.Trace() - 2.0 * traceSqrt;
        return Math.Max(distance, 0.0);
    }

    /// <summary>The Frechet distance between the Gaussians of two accumulated feature sets (each with at least 2 vectors).</summary>
    /// <exception cref="ArgumentException">The dimensions differ.</exception>
    /// <exception cref="InvalidOperationException">A set has fewer than 2 vectors.</exception>
    public static double Compute(FeatureStatistics first, FeatureStatistics second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return Compute(first.Mean, first.Covariance, second.Mean, second.Covariance);
    }

    /// <summary>The Frechet distance between the rows of two feature matrices <c>[N, D]</c> and <c>[M, D]</c> (N, M >= 2).</summary>
    /// <exception cref="ArgumentException">The inputs are not floating-point <c>[N, D]</c> tensors with one D, or hold NaN or infinity.</exception>
    /// <exception cref="InvalidOperationException">A set has fewer than 2 rows.</exception>
    public static double Compute(Tensor features1, Tensor features2)
    {
        FeatureStatistics.RequireFeatures(features1, -1, nameof(features1));
        FeatureStatistics.RequireFeatures(features2, (int)features1.shape[1], nameof(features2));
        return Compute(FeatureStatistics.Of(features1), FeatureStatistics.Of(features2));
    }

    /// <summary>
    /// Extracts features of every batch <c>[B, C, T, H, W]</c> of both sequences with <paramref name="extractor"/> (without
    /// gradients, one dispose scope per batch) and returns the Frechet distance between the two sets: FVD when the
    /// extractor is I3D.
    /// </summary>
    /// <exception cref="ArgumentException">The extractor returns features of the wrong shape.</exception>
    /// <exception cref="InvalidOperationException">A set yields fewer than 2 feature vectors.</exception>
    public static double Compute(IVideoFeatureExtractor extractor, IEnumerable<Tensor> generatedBatches, IEnumerable<Tensor> referenceBatches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(generatedBatches);
        ArgumentNullException.ThrowIfNull(referenceBatches);
        return Compute(Accumulate(extractor, generatedBatches, cancellationToken), Accumulate(extractor, referenceBatches, cancellationToken));
    }

    /// <summary>Accumulates the features <paramref name="extractor"/> gives for each batch of <paramref name="batches"/>.</summary>
    /// <exception cref="ArgumentException">The extractor returns features of the wrong shape.</exception>
    public static FeatureStatistics Accumulate(IVideoFeatureExtractor extractor, IEnumerable<Tensor> batches, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(batches);
        var statistics = new FeatureStatistics(extractor.FeatureSize);
        foreach (var batch in batches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Internal.Shapes.RequireVideoBatch(batch, nameof(batches));
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var features = extractor.Extract(batch);
            if (features.dim() != 2 || features.shape[0] != batch.shape[0])
            {
                throw new ArgumentException(
                    $"Expected the extractor to return [B, D] = [{batch.shape[0]}, {extractor.FeatureSize}], got {Internal.Shapes.Format(features)}.", nameof(extractor));
            }
            statistics.Add(features);
        }
        return statistics;
    }

    private static bool AllFinite(Vector<double> v) => v.Enumerate().All(double.IsFinite);

    private static Matrix<double> Symmetrize(Matrix<double> m) => (m + m.Transpose()) * 0.5;

    private static Matrix<double> SymmetricSqrt(Matrix<double> symmetric)
    {
        var evd = symmetric.Evd(Symmetricity.Symmetric);
        var roots = evd.EigenValues.Select(e => Math.Sqrt(Math.Max(e.Real, 0.0))).ToArray();
        var v = evd.EigenVectors;
        return v * Matrix<double>.Build.DenseOfDiagonalArray(roots) * v.Transpose();
    }
}
