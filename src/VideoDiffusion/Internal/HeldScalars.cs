using TorchSharp;
using static TorchSharp.torch;

namespace VideoDiffusion.Internal;

/// <summary>
/// Tensor-scalar operations whose <see cref="Scalar"/> stays referenced until libtorch has read it. TorchSharp 0.107
/// converts a .NET number to a native <see cref="Scalar"/> implicitly and lets it go unreferenced as soon as its handle
/// is passed to native code; a garbage collection triggered on another thread during that call can finalize it and free
/// the native value while libtorch reads it ("Unknown scalar type", "Expected false to be true" from
/// <c>c10::Scalar::toFloat</c>, or a wrong value). Disposing the scalar after the call keeps it alive. Used on the
/// per-step paths of training; see docs/training.md.
/// </summary>
internal static class HeldScalars
{
    /// <summary><c>t * value</c>.</summary>
    public static Tensor MulScalar(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.mul(s);
    }

    /// <summary><c>t / value</c>.</summary>
    public static Tensor DivScalar(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.div(s);
    }

    /// <summary>In place <c>t *= value</c>.</summary>
    public static Tensor MulScalar_(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.mul_(s);
    }

    /// <summary>In place <c>t += alpha * other</c>.</summary>
    public static Tensor AddScaled_(this Tensor t, Tensor other, double alpha)
    {
        using var s = alpha.ToScalar();
        return t.add_(other, s);
    }

    /// <summary><c>t &lt; value</c>.</summary>
    public static Tensor LessThan(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.lt(s);
    }

    /// <summary>A tensor shaped like <paramref name="like"/> filled with <paramref name="value"/>.</summary>
    public static Tensor FullLike(Tensor like, long value)
    {
        using var s = value.ToScalar();
        return full_like(like, s);
    }

    /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
    public static Tensor Full0d(double value, ScalarType dtype, Device device)
    {
        using var s = value.ToScalar();
        return full([], s, dtype, device);
    }
}
