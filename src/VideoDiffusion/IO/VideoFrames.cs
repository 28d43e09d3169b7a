using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// Decoded video frames as bytes in the library's I/O layout <c>[T, H, W, C]</c> (row-major, channels last), held in a
/// managed array so the codecs in this folder can read and write them without libtorch. <c>C</c> is 1 (grey), 3 (RGB)
/// or 4 (RGBA). Convert to and from model space with <see cref="VideoTensors"/>.
/// </summary>
public sealed class VideoFrames
{
    /// <summary>Allocates zeroed frames.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1, <paramref name="channels"/> is not 1, 3
    /// or 4, or the total size exceeds the largest array .NET can allocate.</exception>
    public VideoFrames(int frames, int height, int width, int channels)
        : this(frames, height, width, channels, null)
    {
    }

    /// <summary>Wraps existing bytes laid out as <c>[T, H, W, C]</c> (not copied).</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not hold exactly <c>T * H * W * C</c> bytes.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is below 1 or <paramref name="channels"/> is not 1, 3 or 4.</exception>
    public VideoFrames(byte[] data, int frames, int height, int width, int channels)
        : this(frames, height, width, channels, data ?? throw new ArgumentNullException(nameof(data)))
    {
    }

    private VideoFrames(int frames, int height, int width, int channels, byte[]? data)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frames, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (channels is not (1 or 3 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Expected 1 (grey), 3 (RGB) or 4 (RGBA) channels.");
        }
        var total = (long)frames * height * width * channels;
        if (total > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(frames), total,
                $"[T, H, W, C] = [{frames}, {height}, {width}, {channels}] needs {total} bytes, more than one array holds ({Array.MaxLength}).");
        }
        if (data is not null && data.Length != total)
        {
            throw new ArgumentException(
                $"Expected {total} bytes for [T, H, W, C] = [{frames}, {height}, {width}, {channels}], got {data.Length}.", nameof(data));
        }
        Data = data ?? new byte[total];
        Frames = frames;
        Height = height;
        Width = width;
        Channels = channels;
    }

    /// <summary>Number of frames T.</summary>
    public int Frames { get; }

    /// <summary>Frame height H in pixels.</summary>
    public int Height { get; }

    /// <summary>Frame width W in pixels.</summary>
    public int Width { get; }

    /// <summary>Channels per pixel C: 1 (grey), 3 (RGB) or 4 (RGBA).</summary>
    public int Channels { get; }

    /// <summary>All bytes, <c>[T, H, W, C]</c> row-major; writable.</summary>
    public byte[] Data { get; }

    /// <summary>Bytes in one frame, <c>H * W * C</c>.</summary>
    public int FrameLength => Height * Width * Channels;

    /// <summary>The bytes of frame <paramref name="index"/> (a view into <see cref="Data"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside <c>[0, T)</c>.</exception>
    public Span<byte> Frame(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Frames);
        return Data.AsSpan(index * FrameLength, FrameLength);
    }

    /// <summary>
    /// The same frames with 3 channels: grey is replicated, alpha is dropped (not composited), RGB is returned as is.
    /// </summary>
    public VideoFrames ToRgb()
    {
        if (Channels == 3)
        {
            return this;
        }
        var result = new VideoFrames(Frames, Height, Width, 3);
        var pixels = (long)Frames * Height * Width;
        var src = Data;
        var dst = result.Data;
        for (long p = 0; p < pixels; p++)
        {
            if (Channels == 1)
            {
                var v = src[p];
                dst[3 * p] = v;
                dst[3 * p + 1] = v;
                dst[3 * p + 2] = v;
            }
            else
            {
                dst[3 * p] = src[4 * p];
                dst[3 * p + 1] = src[4 * p + 1];
                dst[3 * p + 2] = src[4 * p + 2];
            }
        }
        return result;
    }

    /// <summary>A copy as a CPU uint8 tensor <c>[T, H, W, C]</c>.</summary>
    public Tensor ToTensor()
    {
        TorchBackend.EnsureAvailable();
        var t = empty([Frames, Height, Width, Channels], ScalarType.Byte);
        Data.AsSpan().CopyTo(t.bytes);
        return t;
    }

    /// <summary>Copies a uint8 tensor <c>[T, H, W, C]</c> (any device) into managed frames.</summary>
    /// <exception cref="ArgumentException">The tensor is not uint8 <c>[T, H, W, C]</c> with C in {1, 3, 4}.</exception>
    public static VideoFrames FromTensor(Tensor bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.dtype != ScalarType.Byte || bytes.dim() != 4 || bytes.shape[3] is not (1 or 3 or 4) || bytes.shape.Any(d => d < 1))
        {
            throw new ArgumentException(
                $"Expected uint8 frames [T, H, W, C] with C in {{1, 3, 4}}, got {bytes.dtype} {Internal.Shapes.Format(bytes)}.", nameof(bytes));
        }
        var frames = new VideoFrames(checked((int)bytes.shape[0]), checked((int)bytes.shape[1]), checked((int)bytes.shape[2]), (int)bytes.shape[3]);
        // detach(), cpu() and contiguous() each make a native handle; the scope frees them all.
        using var scope = NewDisposeScope();
        var host = bytes.detach().cpu().contiguous();
        host.bytes.CopyTo(frames.Data);
        return frames;
    }
}
