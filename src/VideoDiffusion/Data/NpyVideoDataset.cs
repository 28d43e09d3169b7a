using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>
/// Clips stored in one NumPy <c>.npy</c> array (<see cref="NpyVideoLayout"/>), uint8 (mapped from 0 … 255) or
/// float (in <c>[0, 1]</c> or <c>[-1, 1]</c>, see <see cref="FloatRange"/>). Clips are read from the file on demand,
/// so arrays larger than memory work; <see cref="Get"/> is thread-safe. Dispose to close the file.
/// </summary>
public sealed class NpyVideoDataset : IVideoDataset, IDisposable
{
    private readonly NpyHeader _header;
    private readonly SafeFileHandle _file;
    private readonly int _frames;
    private readonly int _height;
    private readonly int _width;
    private readonly int _channels;

    /// <summary>Opens the array.</summary>
    /// <param name="path">The <c>.npy</c> file.</param>
    /// <param name="layout">How its axes are laid out.</param>
    /// <param name="floatRange">The value range of float arrays; ignored for uint8. <value>The default value is <see cref="NpyFloatRange.ZeroToOne"/>.</value></param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a supported .npy file, or is truncated.</exception>
    /// <exception cref="ArgumentException">The array's rank does not fit <paramref name="layout"/>.</exception>
    public NpyVideoDataset(string path, NpyVideoLayout layout, NpyFloatRange floatRange = NpyFloatRange.ZeroToOne)
    {
        TorchBackend.EnsureAvailable();
        _header = NpyHeader.Read(path);
        var s = _header.Shape;
        var rank = layout == NpyVideoLayout.NTHWC ? 5 : 4;
        if (s.Length != rank || s.Any(d => d < 1 || d > int.MaxValue))
        {
            var pattern = layout switch { NpyVideoLayout.NTHW => "[N, T, H, W]", NpyVideoLayout.NTHWC => "[N, T, H, W, C]", _ => "[T, N, H, W]" };
            throw new ArgumentException($"Expected '{path}' to hold {pattern} for layout {layout}, got {Shapes.Format(s)}.", nameof(layout));
        }
        Layout = layout;
        FloatRange = floatRange;
        (Count, _frames) = layout == NpyVideoLayout.TNHW ? ((int)s[1], (int)s[0]) : ((int)s[0], (int)s[1]);
        (_height, _width) = ((int)s[2], (int)s[3]);
        _channels = layout == NpyVideoLayout.NTHWC ? (int)s[4] : 1;
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    /// <summary>The axis layout.</summary>
    public NpyVideoLayout Layout { get; }

    /// <summary>The value range assumed for float arrays.</summary>
    public NpyFloatRange FloatRange { get; }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int NumClasses => 0;

    /// <inheritdoc />
    public string Description =>
        $"NpyVideoDataset('{Path.GetFileName(_header.Path)}', layout={Layout}, dtype={_header.Descr}, clips={Count}, clip=[{_channels}, {_frames}, {_height}, {_width}])";

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The dataset was disposed.</exception>
    public VideoExample Get(int index)
    {
        ClipChecks.RequireIndex(index, Count);
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        var item = _header.ItemSize;
        var frameBytes = (long)_height * _width * _channels * item;
        var bytes = new byte[frameBytes * _frames];
        if (Layout == NpyVideoLayout.TNHW)
        {
            for (var t = 0; t < _frames; t++)
            {
                ReadAt(bytes.AsSpan((int)(t * frameBytes), (int)frameBytes), ((long)t * Count + index) * frameBytes);
            }
        }
        else
        {
            ReadAt(bytes, index * frameBytes * _frames);
        }
        using var scope = NewDisposeScope();
        // The bytes are [T, H, W, C] (C = 1 without a channel axis): convert, then move channels first.
        var raw = Decode(bytes, _header.Descr).reshape(_frames, _height, _width, _channels).to(ScalarType.Float32);
        var unit = _header.Descr is "|u1" ? raw / 127.5 - 1 : FloatRange == NpyFloatRange.ZeroToOne ? raw * 2 - 1 : raw;
        return new VideoExample(unit.permute(3, 0, 1, 2).contiguous().MoveToOuterDisposeScope());
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();

    private void ReadAt(Span<byte> destination, long dataOffset)
    {
        var offset = _header.DataOffset + dataOffset;
        var total = 0;
        while (total < destination.Length)
        {
            var n = RandomAccess.Read(_file, destination[total..], offset + total);
            if (n == 0)
            {
                throw new InvalidDataException($"'{_header.Path}' is truncated: reading clip data ended early at byte offset {offset + total}.");
            }
            total += n;
        }
    }

    private static Tensor Decode(byte[] bytes, string descr) => descr switch
    {
        "|u1" => tensor(bytes, ScalarType.Byte),
        "|f4" => tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray()),
        _ => tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray()),
    };
}
