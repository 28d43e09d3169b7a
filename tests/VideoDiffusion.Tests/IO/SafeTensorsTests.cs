using System.Buffers.Binary;
using System.Text;
using VideoDiffusion.IO;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.IO;

public sealed class SafeTensorsTests : TempDirectoryTests
{
    [Fact]
    public void Load_FileWrittenPerSpecByPython_ReadsEveryDtypeAndMetadata()
    {
        using var file = SafeTensors.Load(Fixtures.Path("Arrays", "all_dtypes.safetensors"));

        file.Metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["format"] = "pt", ["producer"] = "make_arrays.py" });
        var expected = new Dictionary<string, (ScalarType DType, string Code)>
        {
            ["f16"] = (ScalarType.Float16, "f2"),
            ["bf16"] = (ScalarType.BFloat16, "f2"),
            ["f32"] = (ScalarType.Float32, "f4"),
            ["f64"] = (ScalarType.Float64, "f8"),
            ["i64"] = (ScalarType.Int64, "i8"),
            ["u8"] = (ScalarType.Byte, "u1"),
            ["bool"] = (ScalarType.Bool, "b1"),
        };
        foreach (var (name, (dtype, code)) in expected)
        {
            var tensor = file.Tensors[name];
            tensor.dtype.Should().Be(dtype, name);
            tensor.shape.Should().Equal(ArrayValues.Shape);
            ArrayValues.Read(tensor).Should().Equal(ArrayValues.Values(code), name);
        }
        file.Tensors["scalar"].shape.Should().BeEmpty();
        file.Tensors["scalar"].item<float>().Should().Be(2.5f);
        file.Tensors["empty"].shape.Should().Equal(0, 4);
    }

    [Theory]
    [InlineData("f2", ScalarType.Float16)]
    [InlineData("f2", ScalarType.BFloat16)]
    [InlineData("f4", ScalarType.Float32)]
    [InlineData("f8", ScalarType.Float64)]
    [InlineData("i8", ScalarType.Int64)]
    [InlineData("u1", ScalarType.Byte)]
    [InlineData("b1", ScalarType.Bool)]
    [InlineData("i4", ScalarType.Int32)]
    public void SaveLoad_EveryDtype_RoundTripsExactlyWithMetadata(string code, ScalarType dtype)
    {
        using var source = ArrayValues.Tensor(code);
        using var original = source.to(dtype);
        using var other = arange(5, dtype: ScalarType.Float32);
        var path = Path.Combine(TempPath, "x.safetensors");
        var metadata = new Dictionary<string, string> { ["step"] = "42", ["note"] = "ünïcode \"quoted\"" };

        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a.weight"] = original, ["b"] = other }, metadata);
        using var file = SafeTensors.Load(path);

        file.Metadata.Should().BeEquivalentTo(metadata);
        file.Tensors.Keys.Should().BeEquivalentTo("a.weight", "b");
        file.Tensors["a.weight"].dtype.Should().Be(dtype);
        ArrayValues.Read(file.Tensors["a.weight"]).Should().Equal(ArrayValues.Read(original));
        ArrayValues.Read(file.Tensors["b"]).Should().Equal(0, 1, 2, 3, 4);
        Directory.GetFiles(TempPath).Should().ContainSingle("the temporary file is renamed, not left behind");
    }

    [Fact]
    public void Save_Header_IsSpecConformantAndAligned()
    {
        using var t = ones(3, 2);
        using var stream = new MemoryStream();

        SafeTensors.Save(stream, new Dictionary<string, Tensor> { ["w"] = t });
        var bytes = stream.ToArray();
        var n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var json = Encoding.UTF8.GetString(bytes, 8, (int)n);

        (n % 8).Should().Be(0);
        json.TrimEnd().Should().Be("{\"w\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]}}");
        bytes.Length.Should().Be((int)(8 + n + 24));
    }

    [Fact]
    public void LoadSafeTensors_PyTorchSequentialStateDict_FillsTheMatchingTorchSharpModule()
    {
        using var model = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU()), ("2", nn.Linear(3, 2)));

        var (missing, unexpected) = model.LoadSafeTensors(Fixtures.Path("Arrays", "sequential.safetensors"));

        missing.Should().BeEmpty();
        unexpected.Should().BeEmpty();
        var state = model.state_dict();
        Tensors.ToDoubles(state["0.weight"]).Should().Equal(Enumerable.Range(0, 12).Select(k => (k - 6) / 10.0).Select(v => (double)(float)v));
        Tensors.ToDoubles(state["0.bias"]).Should().Equal(0.5, -0.25, 0.125);
        Tensors.ToDoubles(state["2.weight"]).Should().Equal(Enumerable.Range(0, 6).Select(k => (k - 2) / 4.0));
        Tensors.ToDoubles(state["2.bias"]).Should().Equal(1.0, -1.0);
    }

    [Fact]
    public void SaveSafeTensors_ModuleRoundTrip_RestoresWeightsUnderParameterPaths()
    {
        torch.manual_seed(3);
        using var source = nn.Sequential(("conv", nn.Conv2d(2, 3, 3)), ("norm", nn.BatchNorm2d(3)));
        using var target = nn.Sequential(("conv", nn.Conv2d(2, 3, 3)), ("norm", nn.BatchNorm2d(3)));
        var path = Path.Combine(TempPath, "m.safetensors");

        source.SaveSafeTensors(path, new Dictionary<string, string> { ["format"] = "pt" });
        target.LoadSafeTensors(path);

        SafeTensors.ReadHeader(path).Tensors.Select(t => t.Name).Should().Contain(["conv.weight", "conv.bias", "norm.weight", "norm.running_mean"]);
        foreach (var (name, tensor) in source.state_dict())
        {
            Tensors.MaxAbsDiff(tensor, target.state_dict()[name]).Should().Be(0, name);
        }
    }

    [Fact]
    public void LoadSafeTensors_StrictWithMissingNames_ThrowsAndChangesNothing()
    {
        using var model = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU()), ("2", nn.Linear(3, 2)), ("3", nn.Linear(2, 2)));
        using var before = model.state_dict()["0.weight"].clone();

        var act = () => model.LoadSafeTensors(Fixtures.Path("Arrays", "sequential.safetensors"));

        act.Should().Throw<InvalidDataException>().WithMessage("*missing [3.bias, 3.weight]*");
        Tensors.MaxAbsDiff(before, model.state_dict()["0.weight"]).Should().Be(0);
        var (missing, unexpected) = model.LoadSafeTensors(Fixtures.Path("Arrays", "sequential.safetensors"), strict: false);
        missing.Should().Equal("3.bias", "3.weight");
        unexpected.Should().BeEmpty();
    }

    [Theory]
    [InlineData("model.pt", new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0, 0x08, 0 })]
    [InlineData("model.ckpt", new byte[] { 0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20 })]
    [InlineData("pytorch_model.bin", new byte[] { 0x80, 0x04, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0x7D })]
    public void Load_PickledCheckpoint_ThrowsWithExplanation(string name, byte[] head)
    {
        var path = Path.Combine(TempPath, name);
        File.WriteAllBytes(path, [.. head, .. new byte[64]]);

        var act = () => SafeTensors.Load(path);

        act.Should().Throw<InvalidDataException>().WithMessage("*pickled PyTorch checkpoint*executes code*safetensors*");
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 8, "needs 8 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "starts at data byte 4")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "file holds 8")]
    [InlineData("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "unsupported dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "non-negative")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4, "overflowing")]
    [InlineData("{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, "appears twice")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, "not a string")]
    [InlineData("{\"a\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "neither 0 nor 1")]
    [InlineData("{\"a\":", 0, "not valid JSON")]
    public void Load_InvalidHeader_ThrowsInvalidDataExceptionWithOffset(string json, int dataBytes, string reason)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length).Fill(7);

        var act = () => SafeTensors.Load(new MemoryStream(bytes));

        act.Should().Throw<InvalidDataException>().WithMessage($"*{reason}*byte offset*");
    }

    [Fact]
    public void Load_HeaderLengthBeyondFile_ThrowsBeforeAllocating()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 90_000_000);
        bytes[8] = (byte)'{';
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => SafeTensors.Load(new MemoryStream(bytes));

        act.Should().Throw<InvalidDataException>().WithMessage("*header length 90000000*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1 << 20);
    }

    [Fact]
    public void Load_Repeatedly_LeaksNoTensors()
    {
        var growth = LiveTensors.Growth(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                using var file = SafeTensors.Load(Fixtures.Path("Arrays", "all_dtypes.safetensors"));
            }
        });

        growth.Should().Be(0);
    }

    [Theory]
    [InlineData("[0,4611686018427387904,4611686018427387904]")]
    [InlineData("[4611686018427387904,0,4611686018427387904]")]
    public void Load_ZeroDimensionBesideHugeOnes_ThrowsNamingTheFieldBeforeAnyTensor(string shape)
    {
        var bytes = SafeTensorsBytes($"{{\"a\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[0,0]}}}}", dataBytes: 0);

        var act = () => SafeTensors.Load(new MemoryStream(bytes));

        act.Should().Throw<InvalidDataException>().WithMessage("*tensor 'a'*'shape'*2^62*byte offset 8*");
    }

    [Fact]
    public void Load_MoreTensorsThanTheLimit_ThrowsNamingTheLimit()
    {
        var json = new StringBuilder("{");
        for (var i = 0; i <= SafeTensors.MaxTensors; i++)
        {
            json.Append(i == 0 ? "" : ",").Append($"\"t{i}\":{{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}");
        }
        var bytes = SafeTensorsBytes(json.Append('}').ToString(), dataBytes: 0);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var act = () => SafeTensors.Load(new MemoryStream(bytes));

        act.Should().Throw<InvalidDataException>().WithMessage($"*more than {SafeTensors.MaxTensors} tensors*byte offset*");
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(4L * bytes.Length, "the header is counted, not parsed into entries");
    }

    [Fact]
    public void Save_Repeatedly_LeaksNoTensors()
    {
        using var a = ones(2, 3);
        using var b = arange(4);
        var tensors = new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b };

        var growth = LiveTensors.Growth(() =>
        {
            for (var i = 0; i < 5; i++)
            {
                SafeTensors.Save(new MemoryStream(), tensors);
            }
        });

        growth.Should().Be(0);
    }

    private static byte[] SafeTensorsBytes(string json, int dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
