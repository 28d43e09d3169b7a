using VideoDiffusion.IO;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.IO;

public sealed class VideoTensorsTests
{
    [Fact]
    public void ToBytes_KnownValues_ClampsAndRoundsHalfToEven()
    {
        // (x + 1) * 127.5: -1 -> 0, 1 -> 255, 0 -> 127.5 -> 128 (even), values past ±1 clamp, NaN -> 128.
        using var clip = tensor(new[] { -1f, 1f, 0f, -2f, 5f, float.NaN, 1f / 127.5f - 1f, 2.5f / 127.5f - 1f }).view(1, 8, 1, 1);

        using var bytes = VideoTensors.ToBytes(clip);

        bytes.shape.Should().Equal(8, 1, 1, 1);
        bytes.data<byte>().ToArray().Should().Equal(0, 255, 128, 0, 255, 128, 1, 2);
    }

    [Fact]
    public void FromBytesToBytes_AllByteValues_IsTheIdentity()
    {
        using var all = arange(256, dtype: ScalarType.Int32).to(ScalarType.Byte).view(256, 1, 1, 1);

        using var model = VideoTensors.FromBytes(all);
        using var back = VideoTensors.ToBytes(model);

        model.shape.Should().Equal(1, 256, 1, 1);
        model[0, 0].item<float>().Should().Be(-1f);
        model[0, 255].item<float>().Should().Be(1f);
        back.data<byte>().ToArray().Should().Equal(Enumerable.Range(0, 256).Select(i => (byte)i));
    }

    [Fact]
    public void ToBytes_Batch_PermutesToChannelsLast()
    {
        using var batch = rand(new long[] { 2, 3, 4, 5, 6 }, generator: Tensors.Seeded(1)).mul(2).sub(1);

        using var bytes = VideoTensors.ToBytes(batch);
        using var model = VideoTensors.FromBytes(bytes, ScalarType.Float64);

        bytes.shape.Should().Equal(2, 4, 5, 6, 3);
        Tensors.MaxAbsDiff(model, batch).Should().BeLessThanOrEqualTo(1.0 / 255 + 1e-6, "rounding error is at most half a byte step");
    }

    [Fact]
    public void ToFramesFromFrames_Clip_RoundTripsBytes()
    {
        var frames = TestClips.Gradient(3, 7, 9);

        using var clip = VideoTensors.FromFrames(frames);
        var back = VideoTensors.ToFrames(clip);

        clip.shape.Should().Equal(3, 3, 7, 9);
        back.Data.Should().Equal(frames.Data);
    }

    [Fact]
    public void ToBytes_NotModelSpace_ThrowsArgumentExceptionWithShape()
    {
        using var ints = zeros(new long[] { 3, 2, 4, 4 }, ScalarType.Int32);
        using var threeD = zeros(3, 4, 4);

        var act1 = () => VideoTensors.ToBytes(ints);
        var act2 = () => VideoTensors.ToFrames(threeD);

        act1.Should().Throw<ArgumentException>().WithMessage("*[C, T, H, W]*[3, 2, 4, 4]*");
        act2.Should().Throw<ArgumentException>().WithMessage("*[C, T, H, W]*[3, 4, 4]*");
    }

    [Fact]
    public void ToBytes_Repeatedly_LeaksNoTensors()
    {
        using var clip = zeros(3, 2, 4, 4);

        var growth = LiveTensors.Growth(() =>
        {
            for (var i = 0; i < 10; i++)
            {
                using var bytes = VideoTensors.ToBytes(clip);
                using var model = VideoTensors.FromBytes(bytes);
            }
        });

        growth.Should().Be(0);
    }
}
