using System.Text;
using VideoDiffusion.IO;

namespace VideoDiffusion.Tests.IO;

public sealed class NpyTests
{
    public static TheoryData<string, string> NumpyFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var code in new[] { "u1", "i1", "i2", "i4", "i8", "f2", "f4", "f8", "b1" })
        {
            data.Add(code, $"{code}_c.npy");
            data.Add(code, $"{code}_f.npy");
        }
        data.Add("f4", "f4_v2.npy");
        data.Add("f4", "f4_v3.npy");
        data.Add("f4", "f4_big.npy");
        data.Add("i8", "i8_big_f.npy");
        return data;
    }

    [Theory]
    [MemberData(nameof(NumpyFiles))]
    public void Read_FileWrittenByNumpy_ReturnsItsValuesInCOrder(string code, string file)
    {
        using var tensor = Npy.Read(Fixtures.Path("Arrays", file));

        tensor.dtype.Should().Be(ArrayValues.DType(code));
        tensor.shape.Should().Equal(ArrayValues.Shape);
        tensor.is_contiguous().Should().BeTrue();
        ArrayValues.Read(tensor).Should().Equal(ArrayValues.Values(code));
    }

    [Fact]
    public void Read_NumpyScalarEmptyAndVector_ReturnsShapesAndValues()
    {
        using var scalar = Npy.Read(Fixtures.Path("Arrays", "scalar_f8.npy"));
        using var empty = Npy.Read(Fixtures.Path("Arrays", "empty_u1.npy"));
        using var vector = Npy.Read(Fixtures.Path("Arrays", "vector_i8.npy"));

        scalar.shape.Should().BeEmpty();
        scalar.item<double>().Should().Be(2.5);
        empty.shape.Should().Equal(0, 3);
        empty.dtype.Should().Be(ScalarType.Byte);
        vector.data<long>().ToArray().Should().Equal(0, -3, -6, -9, -12);
    }

    [Theory]
    [InlineData("u1", false, null)]
    [InlineData("i1", true, null)]
    [InlineData("i2", false, 1)]
    [InlineData("i4", true, 2)]
    [InlineData("i8", false, 3)]
    [InlineData("i8", true, 1)]
    [InlineData("f2", false, 2)]
    [InlineData("f2", true, 3)]
    [InlineData("f4", false, 1)]
    [InlineData("f4", true, null)]
    [InlineData("f8", false, 3)]
    [InlineData("f8", true, 2)]
    [InlineData("b1", false, null)]
    [InlineData("b1", true, 3)]
    public void WriteRead_EveryDtypeOrderAndVersion_RoundTripsExactly(string code, bool fortran, int? version)
    {
        using var original = ArrayValues.Tensor(code);
        using var stream = new MemoryStream();

        Npy.Write(stream, original, new NpyWriteOptions { FortranOrder = fortran, Version = version });
        stream.Position = 0;
        var header = Npy.ReadHeader(stream);
        stream.Position = 0;
        using var back = Npy.Read(stream);

        header.FortranOrder.Should().Be(fortran);
        header.MajorVersion.Should().Be(version ?? 1);
        (header.DataOffset % 64).Should().Be(0, "the data is 64-byte aligned, as NumPy writes it");
        back.dtype.Should().Be(original.dtype);
        back.shape.Should().Equal(original.shape);
        ArrayValues.Read(back).Should().Equal(ArrayValues.Read(original));
    }

    [Fact]
    public void Write_FortranOrder_StoresColumnMajorBytesAsNumpyDoes()
    {
        // NumPy's own Fortran-order file of the same values must be byte-identical to ours.
        using var original = ArrayValues.Tensor("i2");
        using var stream = new MemoryStream();

        Npy.Write(stream, original, new NpyWriteOptions { FortranOrder = true });

        stream.ToArray().Should().Equal(File.ReadAllBytes(Fixtures.Path("Arrays", "i2_f.npy")));
    }

    [Fact]
    public void Write_COrderFloat32_IsByteIdenticalToNumpy()
    {
        using var original = ArrayValues.Tensor("f4");
        using var stream = new MemoryStream();

        Npy.Write(stream, original);

        stream.ToArray().Should().Equal(File.ReadAllBytes(Fixtures.Path("Arrays", "f4_c.npy")));
    }

    [Fact]
    public void Write_BFloat16_ThrowsArgumentExceptionNamingTheDtype()
    {
        using var t = zeros(2, dtype: ScalarType.BFloat16);

        var act = () => Npy.Write(new MemoryStream(), t);

        act.Should().Throw<ArgumentException>().WithMessage("*BFloat16*");
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", "overflowing")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000), }", "declares 4000000000 bytes")]
    [InlineData("{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }", "structured")]
    [InlineData("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "unsupported dtype")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", "unexpected character")]
    [InlineData("{'descr': '<f4', 'fortran_order': False}", "exactly the keys")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "non-negative integer")]
    [InlineData("{'descr': '<f4' 'fortran_order': False, 'shape': (2,), }", "expected ','")]
    public void Read_BadHeader_ThrowsInvalidDataExceptionWithOffset(string dict, string reason)
    {
        var bytes = NpyBytes(dict, dataBytes: 8);

        var act = () => Npy.Read(new MemoryStream(bytes));

        act.Should().Throw<InvalidDataException>().WithMessage($"*{reason}*byte offset*");
    }

    [Fact]
    public void Read_HugeShapeInSmallFile_ThrowsBeforeAllocating()
    {
        var bytes = NpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", dataBytes: 16);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => Npy.Read(new MemoryStream(bytes));

        act.Should().Throw<InvalidDataException>();
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
    }

    private static byte[] NpyBytes(string dict, int dataBytes)
    {
        var header = Encoding.ASCII.GetBytes(dict + "\n");
        var bytes = new byte[10 + header.Length + dataBytes];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(bytes, 1);
        bytes[6] = 1;
        bytes[8] = (byte)header.Length;
        bytes[9] = (byte)(header.Length >> 8);
        header.CopyTo(bytes, 10);
        return bytes;
    }

    [Theory]
    [InlineData("(0, 4611686018427387904, 4611686018427387904)")]
    [InlineData("(4611686018427387904, 4611686018427387904, 0)")]
    [InlineData("(0, 9223372036854775807)")]
    public void Read_ZeroDimensionBesideHugeOnes_ThrowsNamingTheShapeBeforeAnyTensor(string shape)
    {
        // The product is 0 bytes, but libtorch's stride calculation would overflow ("Stride calculation overflowed").
        var bytes = NpyBytes($"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}", dataBytes: 0);

        var act = () => Npy.Read(new MemoryStream(bytes));

        act.Should().Throw<InvalidDataException>().WithMessage("*'shape' [*]*2^62*byte offset 10*");
    }


    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Write_Repeatedly_LeaksNoTensors(bool fortran)
    {
        using var t = arange(24, dtype: ScalarType.Float32).view(2, 3, 4);

        var growth = TestSupport.LiveTensors.Growth(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                Npy.Write(new MemoryStream(), t, new NpyWriteOptions { FortranOrder = fortran });
            }
        });

        growth.Should().Be(0);
    }
}
