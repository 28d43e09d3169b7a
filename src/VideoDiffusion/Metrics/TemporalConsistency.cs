using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>Per-clip temporal statistics of a generated batch against a reference batch.</summary>
/// <param name="Generated">Mean absolute difference between consecutive frames of each generated clip.</param>
/// <param name="Reference">The same for each reference clip.</param>
/// <param name="Error">Mean absolute difference between the frame-to-frame changes of each pair:
/// <c>mean |(g[t+1] - g[t]) - (r[t+1] - r[t])|</c>; 0 when the generated clip moves exactly as the reference does.</param>
public sealed record TemporalConsistencyResult(IReadOnlyList<double> Generated, IReadOnlyList<double> Reference, IReadOnlyList<double> Error)
{
    /// <summary>Mean of <see cref="Error"/> over clips.</summary>
    public double MeanError => Error.Average();
}

/// <summary>
/// Temporal consistency as frame-to-frame change: the mean absolute difference between consecutive frames
/// <c>MAD = mean over t, c, h, w of |x[t+1] - x[t]|</c> (flicker and motion energy), and its comparison with a reference.
/// Values are in the inputs' units (model space: a full black-to-white change is 2; multiply by 127.5 for byte units).
/// Computed in float64 on the inputs' device.
/// </summary>
public static class TemporalConsistency
{
    /// <summary>The mean absolute difference between consecutive frames of each clip of <paramref name="videos"/> <c>[B, C, T, H, W]</c>, T >= 2.</summary>
    /// <exception cref="ArgumentException">Not a floating-point video batch with at least 2 frames.</exception>
    public static IReadOnlyList<double> MeanAbsoluteFrameDifference(Tensor videos)
    {
        Internal.Shapes.RequireVideoBatch(videos, nameof(videos));
        Internal.Shapes.RequireFloating(videos, nameof(videos));
        RequireFrames(videos, nameof(videos));
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var mad = Differences(videos).abs().mean([1, 2, 3, 4]);
        return MetricInputs.ToJagged(mad.unsqueeze(1)).Select(row => row[0]).ToArray();
    }

    /// <summary>Compares the frame-to-frame changes of <paramref name="generated"/> with those of <paramref name="reference"/> (same shape <c>[B, C, T, H, W]</c>, T >= 2).</summary>
    /// <exception cref="ArgumentException">The inputs are not floating-point video batches of one shape with at least 2 frames.</exception>
    public static TemporalConsistencyResult Compare(Tensor generated, Tensor reference)
    {
        MetricInputs.RequirePair(generated, reference);
        RequireFrames(generated, nameof(generated));
        TorchBackend.EnsureAvailable();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var dg = Differences(generated);
        var dr = Differences(reference);
        var rows = MetricInputs.ToJagged(stack([dg.abs().mean([1, 2, 3, 4]), dr.abs().mean([1, 2, 3, 4]), (dg - dr).abs().mean([1, 2, 3, 4])], 1));
        return new TemporalConsistencyResult(rows.Select(r => r[0]).ToArray(), rows.Select(r => r[1]).ToArray(), rows.Select(r => r[2]).ToArray());
    }

    private static Tensor Differences(Tensor videos)
    {
        var x = videos.to(ScalarType.Float64);
        var frames = x.shape[2];
        return x.narrow(2, 1, frames - 1) - x.narrow(2, 0, frames - 1);
    }

    private static void RequireFrames(Tensor videos, string paramName)
    {
        if (videos.shape[2] < 2)
        {
            throw new ArgumentException(
                $"Expected at least 2 frames (T >= 2) in [B, C, T, H, W], got {Internal.Shapes.Format(videos)}.", paramName);
        }
    }
}
