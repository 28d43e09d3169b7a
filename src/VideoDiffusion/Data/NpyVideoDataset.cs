using VideoDiffusion.Internal;
using VideoDiffusion.IO;
using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>
/// Clips stored in one NumPy <c>.npy</c> array (<see cref="NpyVideoLayout"/>), in any dtype <see cref="Npy"/> reads
/// (uint8 is mapped from 0 … 255; floating-point values are taken in <c>[0, 1]</c> or <c>[-1, 1]</c>, see
/// <see cref="FloatRange"/>; other integer types are read on the 0 … 255 scale too), little- or big-endian, C order. Only the header
/// is read up front; each clip is read from the file on demand, so arrays larger than memory work. <see cref="Get"/> is
/// thread-safe.
/// </summary>
public sealed class NpyVideoDataset : IVideoDataset
{
    private const string Format = "npy";

    private readonly string _path;
    private readonly NpyHeader _header;
    private readonly int _frames;
    private readonly int _height;
    private readonly int _width;
    private readonly int _channels;
    private readonly long _frameBytes;

    /// <summary>Opens the array (reads and validates its header).</summary>
    /// <param name="path">The <c>.npy</c> file.</param>
    /// <param name="layout">How its axes are laid out.</param>
    /// <param name="floatRange">The value range of floating-point arrays; ignored for integer ones. <value>The default value is <see cref="NpyFloatRange.ZeroToOne"/>.</value></param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid .npy file, is stored in Fortran order, or is shorter than its header declares (the message names the file and the byte offset).</exception>
    /// <exception cref="ArgumentException">The array's rank does not fit <paramref name="layout"/>.</exception>
    public NpyVideoDataset(string path, NpyVideoLayout layout, NpyFloatRange floatRange = NpyFloatRange.ZeroToOne)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TorchBackend.EnsureAvailable();
        _path = path;
        using (var stream = File.OpenRead(path))
        {
            try
            {
                _header = Npy.ReadHeader(stream);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"'{path}': {e.Message}", e);
            }
            var end = _header.DataOffset + _header.DataLength;
            if (_header.DataLength < 0 || stream.Length < end)
            {
                throw new InvalidDataException($"'{path}' is truncated: shape {Shapes.Format(_header.Shape)} of {_header.DType} needs {end} bytes, the file ends at byte offset {stream.Length}.");
            }
        }
        if (_header.FortranOrder && _header.Shape.Count(d => d > 1) > 1)
        {
            throw new InvalidDataException($"'{path}' is stored in Fortran order; save it in C order (numpy.ascontiguousarray) to read clips lazily.");
        }
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
        _frameBytes = (long)_height * _width * _channels * TensorBytes.ElementSize(_header.DType);
    }

    /// <summary>The axis layout.</summary>
    public NpyVideoLayout Layout { get; }

    /// <summary>The value range assumed for floating-point arrays.</summary>
    public NpyFloatRange FloatRange { get; }

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int NumClasses => 0;

    /// <inheritdoc />
    public string Description =>
        $"NpyVideoDataset('{Path.GetFileName(_path)}', layout={Layout}, dtype={_header.DType}, clips={Count}, clip=[{_channels}, {_frames}, {_height}, {_width}])";

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The file changed and ends early.</exception>
    public VideoExample Get(int index)
    {
        ClipChecks.RequireIndex(index, Count);
        using var scope = NewDisposeScope();
        var raw = empty([_frames, _height, _width, _channels], _header.DType);
        using (var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.RandomAccess))
        {
            var swap = _header.BigEndian && TensorBytes.ElementSize(_header.DType) > 1;
            for (var t = 0; t < (Layout == NpyVideoLayout.TNHW ? _frames : 1); t++)
            {
                // TNHW: frame t of clip i is element (t, i); otherwise the clip is one contiguous run.
                var (offset, target) = Layout == NpyVideoLayout.TNHW
                    ? (_header.DataOffset + ((long)t * Count + index) * _frameBytes, raw[t])
                    : (_header.DataOffset + (long)index * _frames * _frameBytes, raw);
                stream.Position = offset;
                Fill(target, stream, swap, offset);
            }
        }
        var values = raw.to(ScalarType.Float32);
        var unit = is_floating_point(raw)
            ? FloatRange == NpyFloatRange.ZeroToOne ? values * 2 - 1 : values
            : values / 127.5 - 1;
        return new VideoExample(unit.permute(3, 0, 1, 2).contiguous().MoveToOuterDisposeScope());
    }

    private void Fill(Tensor target, Stream stream, bool swap, long offset)
    {
        try
        {
            TensorBytes.Fill(target, stream, swap, Format, offset);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{_path}': {e.Message}", e);
        }
    }
}
