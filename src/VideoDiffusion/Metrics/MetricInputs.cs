using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Metrics;

/// <summary>Argument checks and host copies shared by the metrics.</summary>
internal static class MetricInputs
{
    /// <summary>Requires two floating-point video batches <c>[B, C, T, H, W]</c> of one shape.</summary>
    public static void RequirePair(Tensor generated, Tensor reference)
    {
        Shapes.RequireVideoBatch(generated, nameof(generated));
        Shapes.RequireVideoBatch(reference, nameof(reference));
        Shapes.RequireFloating(generated, nameof(generated));
        Shapes.RequireFloating(reference, nameof(reference));
        Shapes.RequireSameShape(generated, reference, nameof(generated), nameof(reference));
    }

    /// <summary>Requires a finite positive data range.</summary>
    public static void RequireRange(double dataRange, string paramName)
    {
        if (!double.IsFinite(dataRange) || dataRange <= 0)
        {
            throw new ArgumentOutOfRangeException(paramName, dataRange, "Expected a finite data range > 0 (2 for model space [-1, 1], 255 for bytes).");
        }
    }

    /// <summary>Copies a 2-D tensor <c>[B, T]</c> to jagged host doubles.</summary>
    public static double[][] ToJagged(Tensor scores)
    {
        using var host = scores.detach().to(ScalarType.Float64, CPU).contiguous();
        var flat = host.data<double>().ToArray();
        var rows = (int)host.shape[0];
        var columns = (int)host.shape[1];
        return Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * columns, columns).ToArray()).ToArray();
    }
}
