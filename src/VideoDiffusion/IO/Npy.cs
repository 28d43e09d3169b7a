using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// NumPy <c>.npy</c> files (format versions 1.0–3.0, NEP 1 "A simple file format for NumPy arrays"): dtypes bool,
/// uint8, int8, int16, int32, int64, float16, float32, float64, little- or big-endian, C or Fortran order. Reading
/// returns a C-contiguous CPU tensor; a header that claims more data than the file holds is rejected before anything
/// is allocated. This is how arrays move between <c>np.save</c>/<c>np.load</c> and .NET.
/// </summary>
public static class Npy
{
    private const string Format = "NPY";
    private const int MaxHeaderLength = 1 << 20;
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    private static readonly (string Code, ScalarType DType)[] Types =
    [
        ("b1", ScalarType.Bool), ("u1", ScalarType.Byte), ("i1", ScalarType.Int8), ("i2", ScalarType.Int16),
        ("i4", ScalarType.Int32), ("i8", ScalarType.Int64), ("f2", ScalarType.Float16), ("f4", ScalarType.Float32),
        ("f8", ScalarType.Float64),
    ];

    /// <summary>Reads the <c>.npy</c> file at <paramref name="path"/> into a CPU tensor.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid <c>.npy</c> file of a supported dtype.</exception>
    public static Tensor Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Reads one <c>.npy</c> array from <paramref name="stream"/> (positioned at its start) into a CPU tensor.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid <c>.npy</c> array of a supported dtype.</exception>
    public static Tensor Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        TorchBackend.EnsureAvailable();
        var input = SeekableInput.Of(stream, out var owned);
        try
        {
            var start = input.Position;
            var header = ReadHeader(input);
            var remaining = input.Length - input.Position;
            if (header.DataLength < 0 || header.DataLength > remaining)
            {
                throw Corrupt.At(Format, header.DataOffset,
                    $"the header declares {(header.DataLength < 0 ? "an overflowing" : header.DataLength.ToString(CultureInfo.InvariantCulture))} bytes of data for shape {Internal.Shapes.Format(header.Shape)}, but {remaining} remain");
            }
            var stored = header.FortranOrder ? header.Shape.Reverse().ToArray() : header.Shape;
            var elementSize = TensorBytes.ElementSize(header.DType);
            var tensor = empty(stored, header.DType);
            try
            {
                TensorBytes.Fill(tensor, input, header.BigEndian && elementSize > 1, Format, start + header.DataOffset);
                if (!header.FortranOrder || header.Shape.Length < 2)
                {
                    return tensor;
                }
                var dims = Enumerable.Range(0, header.Shape.Length).Reverse().Select(i => (long)i).ToArray();
                using var transposed = tensor.permute(dims);
                var result = transposed.contiguous();
                tensor.Dispose();
                return result;
            }
            catch
            {
                tensor.Dispose();
                throw;
            }
        }
        finally
        {
            if (owned)
            {
                input.Dispose();
            }
        }
    }

    /// <summary>Reads and validates the header at the current position of <paramref name="stream"/>, leaving the stream at the data.</summary>
    /// <exception cref="InvalidDataException">The header is malformed or declares an unsupported dtype.</exception>
    public static NpyHeader ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[12];
        var got = stream.ReadAtLeast(prefix[..10], 10, throwOnEndOfStream: false);
        var reader = new SpanReader(prefix[..got], Format);
        if (!reader.ReadBytes(6, "magic string").SequenceEqual(Magic))
        {
            throw reader.Error("not an .npy file: the magic string \\x93NUMPY is missing", 0);
        }
        var major = reader.ReadByte("major version");
        reader.ReadByte("minor version");
        if (major is < 1 or > 3)
        {
            throw reader.Error($"format version {major} is not 1, 2 or 3", 6);
        }
        long headerLength;
        if (major == 1)
        {
            headerLength = reader.ReadUInt16LE("header length");
        }
        else
        {
            if (stream.ReadAtLeast(prefix[10..12], 2, throwOnEndOfStream: false) < 2)
            {
                throw Corrupt.Truncated(Format, 10, 2, "header length");
            }
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..12]);
        }
        var lengthEnd = major == 1 ? 10 : 12;
        var available = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
        if (headerLength > MaxHeaderLength || headerLength > available)
        {
            throw Corrupt.At(Format, 8, $"header length {headerLength} exceeds the {Math.Min(MaxHeaderLength, available)} bytes available");
        }
        var text = new byte[headerLength];
        if (stream.ReadAtLeast(text, text.Length, throwOnEndOfStream: false) < text.Length)
        {
            throw Corrupt.Truncated(Format, lengthEnd, headerLength, "header");
        }
        return ParseHeader(text, major, lengthEnd);
    }

    private static NpyHeader ParseHeader(byte[] text, int major, long offset)
    {
        string literal;
        try
        {
            literal = (major == 3 ? new UTF8Encoding(false, true) : Encoding.Latin1).GetString(text);
        }
        catch (DecoderFallbackException e)
        {
            throw Corrupt.At(Format, offset, "the header is not valid UTF-8", e);
        }
        var parser = new PythonLiteral(literal, offset);
        var dict = parser.ParseDict();
        if (dict.Count != 3 || !dict.TryGetValue("descr", out var descrValue) || !dict.TryGetValue("fortran_order", out var orderValue)
            || !dict.TryGetValue("shape", out var shapeValue))
        {
            throw Corrupt.At(Format, offset, "the header must have exactly the keys 'descr', 'fortran_order' and 'shape'");
        }
        if (descrValue is not string descr)
        {
            throw Corrupt.At(Format, offset, "'descr' is not a simple dtype string (structured dtypes are not supported)");
        }
        if (orderValue is not bool fortran)
        {
            throw Corrupt.At(Format, offset, "'fortran_order' is not True or False");
        }
        if (shapeValue is not long[] shape)
        {
            throw Corrupt.At(Format, offset, "'shape' is not a tuple of integers");
        }
        if (descr.Length != 3 || descr[0] is not ('<' or '>' or '|' or '='))
        {
            throw Corrupt.At(Format, offset, $"unsupported dtype '{descr}' (supported: b1, u1, i1, i2, i4, i8, f2, f4, f8)");
        }
        var code = descr[1..];
        var match = Array.FindIndex(Types, t => t.Code == code);
        if (match < 0)
        {
            throw Corrupt.At(Format, offset, $"unsupported dtype '{descr}' (supported: b1, u1, i1, i2, i4, i8, f2, f4, f8)");
        }
        if (shape.Length > 32)
        {
            throw Corrupt.At(Format, offset, $"{shape.Length} dimensions is more than the 32 NumPy allows");
        }
        var elementSize = TensorBytes.ElementSize(Types[match].DType);
        if (TensorBytes.ByteCount(shape, elementSize) < 0)
        {
            throw Corrupt.At(Format, offset,
                $"'shape' {Internal.Shapes.Format(shape)} cannot be a tensor: expected non-negative dimensions whose product (zeros counted as 1) times {elementSize} byte(s) is at most 2^62, got an overflowing product");
        }
        return new NpyHeader(major, Types[match].DType, descr[0] == '>', fortran, shape, offset + text.Length);
    }

    /// <summary>Writes <paramref name="tensor"/> (any device; copied to the CPU) as an <c>.npy</c> file, atomically.</summary>
    /// <exception cref="ArgumentException">The dtype has no NumPy equivalent here (e.g. bfloat16, complex).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="NpyWriteOptions.Version"/> is not 1, 2 or 3, or the header does not fit version 1.</exception>
    public static void Write(string path, Tensor tensor, NpyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var header = BuildHeader(tensor, options ?? NpyWriteOptions.Default);
        AtomicFile.Write(path, s => WriteBody(s, tensor, header, options ?? NpyWriteOptions.Default));
    }

    /// <summary>Writes <paramref name="tensor"/> as one <c>.npy</c> array to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">The dtype has no NumPy equivalent here (e.g. bfloat16, complex).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="NpyWriteOptions.Version"/> is not 1, 2 or 3, or the header does not fit version 1.</exception>
    public static void Write(Stream stream, Tensor tensor, NpyWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        options ??= NpyWriteOptions.Default;
        WriteBody(stream, tensor, BuildHeader(tensor, options), options);
    }

    private static byte[] BuildHeader(Tensor tensor, NpyWriteOptions options)
    {
        var match = Array.FindIndex(Types, t => t.DType == tensor.dtype);
        if (match < 0)
        {
            throw new ArgumentException(
                $"dtype {tensor.dtype} has no .npy equivalent here; convert to one of bool, uint8, int8, int16, int32, int64, float16, float32, float64.",
                nameof(tensor));
        }
        if (options.Version is { } v && v is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(options), v, "NpyWriteOptions.Version must be 1, 2 or 3.");
        }
        var prefix = TensorBytes.ElementSize(tensor.dtype) == 1 ? '|' : '<';
        var dims = tensor.shape;
        var shape = dims.Length switch
        {
            0 => "()",
            1 => $"({dims[0]},)",
            _ => "(" + string.Join(", ", dims) + ")",
        };
        var dict = $"{{'descr': '{prefix}{Types[match].Code}', 'fortran_order': {(options.FortranOrder ? "True" : "False")}, 'shape': {shape}, }}";
        var version = options.Version ?? (dict.Length + 12 > ushort.MaxValue ? 2 : 1);
        var lengthEnd = version == 1 ? 10 : 12;
        var total = (lengthEnd + dict.Length + 1 + 63) / 64 * 64;
        if (version == 1 && total - lengthEnd > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(options), 1, "The header needs more than 65535 bytes; use version 2 or 3.");
        }
        var header = new byte[total];
        Magic.CopyTo(header);
        header[6] = (byte)version;
        header[7] = 0;
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)(total - lengthEnd));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), (uint)(total - lengthEnd));
        }
        var written = Encoding.UTF8.GetBytes(dict, header.AsSpan(lengthEnd));
        header.AsSpan(lengthEnd + written, total - lengthEnd - written - 1).Fill((byte)' ');
        header[^1] = (byte)'\n';
        return header;
    }

    private static void WriteBody(Stream stream, Tensor tensor, byte[] header, NpyWriteOptions options)
    {
        stream.Write(header);
        if (options.FortranOrder && tensor.dim() >= 2)
        {
            using var scope = NewDisposeScope();
            var dims = Enumerable.Range(0, (int)tensor.dim()).Reverse().Select(i => (long)i).ToArray();
            var transposed = tensor.detach().permute(dims);
            TensorBytes.Write(transposed, stream);
        }
        else
        {
            TensorBytes.Write(tensor, stream);
        }
    }
}
