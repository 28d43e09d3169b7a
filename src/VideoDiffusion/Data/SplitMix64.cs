namespace VideoDiffusion.Data;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny, fast generator whose stream is fixed by its seed on every platform
/// and .NET version. Used to derive independent per-index seeds, so datasets and loaders are deterministic per index
/// without shared mutable state between threads.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A generator for the stream named by <paramref name="seed"/> and the keys (e.g. epoch and index).</summary>
    public static SplitMix64 For(long seed, params long[] keys)
    {
        var s = Mix((ulong)seed ^ 0x5851F42D4C957F2DUL);
        foreach (var k in keys)
        {
            s = Mix(s ^ (ulong)k);
        }
        return new SplitMix64(s);
    }

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform on [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform on [min, max).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>Uniform integer on [0, n) (n &gt;= 1), by Lemire's multiply-shift (bias &lt; n / 2^64).</summary>
    public int NextInt(int n) => (int)(((UInt128)NextUInt64() * (ulong)n) >> 64);

    /// <summary>Uniform integer on [min, max] inclusive.</summary>
    public int NextInt(int min, int max) => min + NextInt(max - min + 1);

    /// <summary>A <see cref="Random"/> seeded from this stream (for user callbacks that take one).</summary>
    public Random NextRandom() => new((int)(NextUInt64() & int.MaxValue));

    /// <summary>A uniformly random permutation of <c>0 … n - 1</c> (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }
        for (var i = n - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
