namespace VideoDiffusion.Tests.TestSupport;

/// <summary>Small helpers to read tensors back into .NET arrays in tests.</summary>
internal static class Tensors
{
    /// <summary>All elements as doubles (copied to the CPU).</summary>
    public static double[] ToDoubles(Tensor t)
    {
        using var host = t.detach().to(ScalarType.Float64, CPU).contiguous();
        return host.data<double>().ToArray();
    }

    /// <summary>Largest absolute elementwise difference.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a.to(ScalarType.Float64) - b.to(ScalarType.Float64)).abs().max();
        return d.item<double>();
    }

    /// <summary>A seeded CPU generator.</summary>
    public static Generator Seeded(long seed) => new Generator((ulong)seed, CPU);
}
