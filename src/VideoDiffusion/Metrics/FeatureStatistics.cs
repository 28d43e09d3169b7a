using MathNet.Numerics.LinearAlgebra;
using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>
/// Running mean and covariance of feature vectors in float64, merged batch by batch with the pairwise update of Chan,
/// Golub and LeVeque (1979) so large feature means do not cancel the covariance. The covariance is the unbiased one
/// (divisor N - 1), as <c>numpy.cov</c> and the reference FID/FVD code use.
/// </summary>
public sealed class FeatureStatistics
{
    private Vector<double> _mean;
    private Matrix<double> _scatter;

    /// <summary>Empty statistics for vectors of length <paramref name="dimension"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is below 1.</exception>
    public FeatureStatistics(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        _mean = Vector<double>.Build.Dense(dimension);
        _scatter = Matrix<double>.Build.Dense(dimension, dimension);
    }

    /// <summary>Length D of the feature vectors.</summary>
    public int Dimension { get; }

    /// <summary>Vectors added so far.</summary>
    public long Count { get; private set; }

    /// <summary>The mean vector (a copy).</summary>
    public Vector<double> Mean => _mean.Clone();

    /// <summary>The unbiased covariance matrix (a copy).</summary>
    /// <exception cref="InvalidOperationException">Fewer than 2 vectors were added.</exception>
    public Matrix<double> Covariance => Count >= 2
        ? _scatter.Divide(Count - 1)
        : throw new InvalidOperationException($"A covariance needs at least 2 feature vectors; {Count} were added.");

    /// <summary>Statistics of the rows of <paramref name="features"/> <c>[N, D]</c>.</summary>
    /// <exception cref="ArgumentException">Not a 2-D floating-point tensor with N >= 1 and D >= 1.</exception>
    public static FeatureStatistics Of(Tensor features)
    {
        RequireFeatures(features, -1, nameof(features));
        var statistics = new FeatureStatistics((int)features.shape[1]);
        statistics.Add(features);
        return statistics;
    }

    /// <summary>Adds the rows of <paramref name="features"/> <c>[N, D]</c> (any floating dtype and device).</summary>
    /// <exception cref="ArgumentException">Not a 2-D floating-point tensor <c>[N, D]</c> with D = <see cref="Dimension"/>, or it holds NaN or infinity.</exception>
    public void Add(Tensor features)
    {
        RequireFeatures(features, Dimension, nameof(features));
        using var host = features.detach().to(ScalarType.Float64, CPU).contiguous();
        var values = host.data<double>().ToArray();
        if (values.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Expected finite features, got NaN or infinity.", nameof(features));
        }
        Add(Matrix<double>.Build.Dense(Dimension, (int)host.shape[0], values).Transpose());
    }

    /// <summary>Adds the rows of <paramref name="rows"/> (N x D).</summary>
    /// <exception cref="ArgumentException">The column count is not <see cref="Dimension"/>.</exception>
    public void Add(Matrix<double> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.ColumnCount != Dimension)
        {
            throw new ArgumentException($"Expected rows of length {Dimension}, got {rows.ColumnCount}.", nameof(rows));
        }
        if (rows.RowCount == 0)
        {
            return;
        }
        long nb = rows.RowCount;
        var batchMean = rows.ColumnSums().Divide(nb);
        var centered = rows - Matrix<double>.Build.Dense(rows.RowCount, Dimension, (i, j) => batchMean[j]);
        var batchScatter = centered.TransposeThisAndMultiply(centered);
        var na = Count;
        var n = na + nb;
        var delta = batchMean - _mean;
        _mean = _mean + delta * ((double)nb / n);
        _scatter = _scatter + batchScatter + delta.OuterProduct(delta) * ((double)na * nb / n);
        Count = n;
    }

    internal static void RequireFeatures(Tensor features, int dimension, string paramName)
    {
        ArgumentNullException.ThrowIfNull(features, paramName);
        if (features.dim() != 2 || features.shape[0] < 1 || features.shape[1] < 1 || !is_floating_point(features)
            || (dimension > 0 && features.shape[1] != dimension))
        {
            throw new ArgumentException(
                $"Expected floating-point features [N, D]{(dimension > 0 ? $" with D = {dimension}" : "")}, got {features.dtype} {Internal.Shapes.Format(features)}.", paramName);
        }
    }
}
