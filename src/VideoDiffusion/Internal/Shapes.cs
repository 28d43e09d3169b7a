using TorchSharp;
using static TorchSharp.torch;

namespace VideoDiffusion.Internal;

/// <summary>Argument checks that name the expected pattern and the actual shape, before any libtorch call.</summary>
internal static class Shapes
{
    /// <summary>Formats a shape as <c>[2, 3, 16, 32, 32]</c>.</summary>
    public static string Format(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Formats a tensor's shape.</summary>
    public static string Format(Tensor t) => Format(t.shape);

    /// <summary>Requires a batch of videos <c>[B, C, T, H, W]</c> with every dimension at least 1.</summary>
    public static void RequireVideoBatch(Tensor x, string paramName)
    {
        ArgumentNullException.ThrowIfNull(x, paramName);
        if (x.dim() != 5 || x.shape.Any(d => d < 1))
        {
            throw new ArgumentException(
                $"Expected a batch of videos [B, C, T, H, W] with every dimension >= 1, got {Format(x)}.", paramName);
        }
    }

    /// <summary>Requires a video batch shape given as numbers.</summary>
    public static void RequireVideoBatchShape(ReadOnlySpan<long> shape, string paramName)
    {
        if (shape.Length != 5)
        {
            throw new ArgumentException($"Expected a video batch shape [B, C, T, H, W], got {Format(shape)}.", paramName);
        }
        RequirePositive(shape, paramName);
    }

    /// <summary>Requires every dimension of a shape to be at least 1.</summary>
    public static void RequirePositive(ReadOnlySpan<long> shape, string paramName)
    {
        if (shape.Length == 0)
        {
            throw new ArgumentException("Expected a shape with at least one dimension, got [].", paramName);
        }
        foreach (var d in shape)
        {
            if (d < 1)
            {
                throw new ArgumentException($"Expected every dimension >= 1, got {Format(shape)}.", paramName);
            }
        }
    }

    /// <summary>Requires two tensors to have the same shape.</summary>
    public static void RequireSameShape(Tensor expected, Tensor actual, string expectedName, string paramName)
    {
        if (!expected.shape.SequenceEqual(actual.shape))
        {
            throw new ArgumentException(
                $"Expected {paramName} to have the shape of {expectedName} {Format(expected)}, got {Format(actual)}.", paramName);
        }
    }

    /// <summary>Requires a floating-point tensor.</summary>
    public static void RequireFloating(Tensor x, string paramName)
    {
        if (!torch.is_floating_point(x))
        {
            throw new ArgumentException($"Expected a floating-point tensor, got dtype {x.dtype}.", paramName);
        }
    }
}
