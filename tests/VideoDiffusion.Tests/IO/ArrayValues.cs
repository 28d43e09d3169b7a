namespace VideoDiffusion.Tests.IO;

/// <summary>The values make_arrays.py writes: functions of the flat C-order index k of a (2, 3, 4) array.</summary>
internal static class ArrayValues
{
    public static readonly long[] Shape = [2, 3, 4];

    public static double Value(string code, int k) => code switch
    {
        "u1" => k * 11 % 256,
        "i1" => k - 12,
        "i2" => (k - 12) * 1000,
        "i4" => (k - 12) * 100000,
        "i8" => (k - 12) * 10000000000.0,
        "f2" => (k - 12) / 8.0,
        "f4" => (k - 7.25) * 0.5,
        "f8" => (k - 7.25) / 3.0,
        "b1" => k % 3 == 0 ? 1 : 0,
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    public static double[] Values(string code) => Enumerable.Range(0, 24).Select(k => Value(code, k)).ToArray();

    public static ScalarType DType(string code) => code switch
    {
        "u1" => ScalarType.Byte,
        "i1" => ScalarType.Int8,
        "i2" => ScalarType.Int16,
        "i4" => ScalarType.Int32,
        "i8" => ScalarType.Int64,
        "f2" => ScalarType.Float16,
        "f4" => ScalarType.Float32,
        "f8" => ScalarType.Float64,
        "b1" => ScalarType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    /// <summary>A (2, 3, 4) tensor of <paramref name="code"/>'s values.</summary>
    public static Tensor Tensor(string code)
    {
        using var values = torch.tensor(Values(code), ScalarType.Float64).view(Shape);
        return values.to(DType(code));
    }

    /// <summary>Elements as doubles (C order), for exact comparison; int64 values are read exactly.</summary>
    public static double[] Read(Tensor t)
    {
        using var host = t.detach().cpu().contiguous();
        if (host.dtype == ScalarType.Int64)
        {
            return host.data<long>().ToArray().Select(v => (double)v).ToArray();
        }
        using var wide = host.to(ScalarType.Float64);
        return wide.data<double>().ToArray();
    }
}
