using System.Runtime.InteropServices;
using VideoDiffusion.Data;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Data;

public sealed class NpyVideoDatasetTests
{
    [Fact]
    public void Get_Uint8NTHW_MapsBytesToModelSpace()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("clips.npy");
        // 3 clips of 2 frames 2 x 2; clip n holds n*10 + element index.
        var bytes = Enumerable.Range(0, 3 * 8).Select(i => (byte)(i / 8 * 10 + i % 8)).ToArray();
        bytes[23] = 255;
        TestFiles.WriteNpy(path, "|u1", [3, 2, 2, 2], bytes);
        var data = new NpyVideoDataset(path, NpyVideoLayout.NTHW);
        data.Count.Should().Be(3);
        using var clip = data.Get(2);
        clip.Clip.shape.Should().Equal(1, 2, 2, 2);
        var expected = bytes[16..24].Select(b => b / 127.5 - 1).ToArray();
        Tensors.ToDoubles(clip.Clip).Should().Equal(expected, (a, e) => Math.Abs(a - e) < 1e-6);
        Tensors.ToDoubles(clip.Clip)[7].Should().Be(1.0);
    }

    [Fact]
    public void Get_Float32NTHWC_MovesChannelsFirst()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("clips.npy");
        // [N=2, T=2, H=1, W=2, C=3], values in [0, 1]: element (n, t, w, c) = (n*12 + t*6 + w*3 + c) / 24.
        var values = Enumerable.Range(0, 24).Select(i => i / 24f).ToArray();
        TestFiles.WriteNpy(path, "<f4", [2, 2, 1, 2, 3], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        var data = new NpyVideoDataset(path, NpyVideoLayout.NTHWC);
        using var clip = data.Get(1);
        clip.Clip.shape.Should().Equal(3, 2, 1, 2);
        var v = Tensors.ToDoubles(clip.Clip);
        for (var c = 0; c < 3; c++)
        {
            for (var t = 0; t < 2; t++)
            {
                for (var w = 0; w < 2; w++)
                {
                    v[(c * 2 + t) * 2 + w].Should().BeApproximately((12 + t * 6 + w * 3 + c) / 24.0 * 2 - 1, 1e-6);
                }
            }
        }
    }

    [Fact]
    public void Get_MovingMnistLayoutTNHW_GathersFramesOfOneClip()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("mnist_test_seq.npy");
        // [T=3, N=4, H=2, W=2]: byte = t*16 + n*4 + pixel.
        var bytes = Enumerable.Range(0, 48).Select(i => (byte)i).ToArray();
        TestFiles.WriteNpy(path, "|u1", [3, 4, 2, 2], bytes);
        var data = new NpyVideoDataset(path, NpyVideoLayout.TNHW);
        data.Count.Should().Be(4);
        using var clip = data.Get(2);
        clip.Clip.shape.Should().Equal(1, 3, 2, 2);
        var expected = Enumerable.Range(0, 3).SelectMany(t => Enumerable.Range(0, 4).Select(p => (t * 16 + 8 + p) / 127.5 - 1)).ToArray();
        Tensors.ToDoubles(clip.Clip).Should().Equal(expected, (a, e) => Math.Abs(a - e) < 1e-6);
    }

    [Fact]
    public void Get_Float64AlreadyInModelSpace_KeepsValues()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("clips.npy");
        double[] values = [-1, -0.5, 0.25, 1];
        TestFiles.WriteNpy(path, "<f8", [1, 1, 2, 2], MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        var data = new NpyVideoDataset(path, NpyVideoLayout.NTHW, NpyFloatRange.MinusOneToOne);
        using var clip = data.Get(0);
        Tensors.ToDoubles(clip.Clip).Should().Equal(values);
    }

    [Fact]
    public void Get_BigEndianFloat32TNHW_SwapsBytesPerFrame()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("big.npy");
        // [T=2, N=2, H=1, W=2] big-endian: element (t, n, w) = (t * 4 + n * 2 + w) / 8.
        var values = Enumerable.Range(0, 8).Select(i => i / 8f).ToArray();
        var bytes = values.SelectMany(v => BitConverter.GetBytes(v).Reverse()).ToArray();
        TestFiles.WriteNpy(path, ">f4", [2, 2, 1, 2], bytes);
        var data = new NpyVideoDataset(path, NpyVideoLayout.TNHW);
        using var clip = data.Get(1);
        Tensors.ToDoubles(clip.Clip).Should().Equal(new[] { 2, 3, 6, 7 }.Select(i => i / 8.0 * 2 - 1), (a, e) => Math.Abs(a - e) < 1e-6);
    }

    [Fact]
    public void Constructor_TruncatedWrongRankOrDtype_Throws()
    {
        using var dir = TestFiles.Temp();
        var path = dir.File("clips.npy");
        TestFiles.WriteNpy(path, "|u1", [2, 2, 2, 2], new byte[16]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        FluentActions.Invoking(() => new NpyVideoDataset(path, NpyVideoLayout.NTHW)).Should().Throw<InvalidDataException>().WithMessage("*clips.npy*truncated*144 bytes*offset 141*");
        File.WriteAllBytes(path, bytes[..40]);
        FluentActions.Invoking(() => new NpyVideoDataset(path, NpyVideoLayout.NTHW)).Should().Throw<InvalidDataException>().WithMessage("*clips.npy*header*offset*");
        File.WriteAllBytes(path, bytes);
        FluentActions.Invoking(() => new NpyVideoDataset(path, NpyVideoLayout.NTHWC)).Should().Throw<ArgumentException>().WithMessage("*[N, T, H, W, C]*[2, 2, 2, 2]*");
        TestFiles.WriteNpy(path, "<c8", [1, 1, 1, 1], new byte[8]);
        FluentActions.Invoking(() => new NpyVideoDataset(path, NpyVideoLayout.NTHW)).Should().Throw<InvalidDataException>().WithMessage("*clips.npy*unsupported dtype '<c8'*");
    }
}
