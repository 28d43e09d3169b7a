using System.Buffers.Binary;
using System.IO.Compression;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// The IDX format of the MNIST database (LeCun et al., http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code
/// (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, each
/// dimension as a big-endian 32-bit integer, then the big-endian data. Gzip-compressed files (<c>*.gz</c>, as MNIST
/// is distributed) are recognized by their magic bytes. The declared size must equal the data present; a gzip file may
/// not claim more than deflate can expand its bytes to (1032:1), and is decompressed in 64 KiB pieces checked against
/// the claim as they arrive, so nothing is allocated from the claim itself; the data is then copied once into the
/// tensor. Every dimension counts: with zeros counted as 1, the dimensions times the element size must stay within
/// 2^62 bytes.
/// </summary>
public static class Idx
{
    private const string Format = "IDX";
    private const int MaxDimensions = 8;
    private const long MaxInflateRatio = 1032;
    private const int GzipPiece = 1 << 16;

    private static readonly (byte Code, ScalarType DType)[] Types =
    [
        (0x08, ScalarType.Byte), (0x09, ScalarType.Int8), (0x0B, ScalarType.Int16), (0x0C, ScalarType.Int32),
        (0x0D, ScalarType.Float32), (0x0E, ScalarType.Float64),
    ];

    /// <summary>Reads the IDX file (plain or gzip) at <paramref name="path"/> into a CPU tensor.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file.</exception>
    public static Tensor Read(string path)
    {
        var bytes = AtomicFile.ReadAll(path, Format);
        TorchBackend.EnsureAvailable();
        return IsGzip(bytes) ? DecodeGzip(new MemoryStream(bytes, writable: false), bytes.Length) : DecodePlain(bytes);
    }

    /// <summary>Reads an IDX array (plain or gzip) from the rest of <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid IDX array.</exception>
    public static Tensor Read(Stream stream) => Decode(AtomicFile.ReadAll(stream));

    /// <summary>Decodes an IDX array (plain or gzip) held in memory into a CPU tensor.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid IDX array.</exception>
    public static Tensor Decode(ReadOnlySpan<byte> data)
    {
        TorchBackend.EnsureAvailable();
        return IsGzip(data) ? DecodeGzip(new MemoryStream(data.ToArray(), writable: false), data.Length) : DecodePlain(data);
    }

    private static bool IsGzip(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 0x1F && data[1] == 0x8B;

    /// <summary>Writes a tensor of dtype uint8, int8, int16, int32, float32 or float64 (1 … 8 dimensions) as an uncompressed IDX file, atomically.</summary>
    /// <exception cref="ArgumentException">The dtype or the number of dimensions is not representable in IDX, or a dimension exceeds 2^31 - 1.</exception>
    public static void Write(string path, Tensor tensor)
    {
        var header = BuildHeader(tensor);
        AtomicFile.Write(path, s =>
        {
            s.Write(header);
            TensorBytes.Write(tensor, s, swapBytes: TensorBytes.ElementSize(tensor.dtype) > 1);
        });
    }

    private static byte[] BuildHeader(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var match = Array.FindIndex(Types, t => t.DType == tensor.dtype);
        if (match < 0 || tensor.dim() is < 1 or > MaxDimensions || tensor.shape.Any(d => d > int.MaxValue))
        {
            throw new ArgumentException(
                $"IDX stores uint8, int8, int16, int32, float32 or float64 with 1 … {MaxDimensions} dimensions below 2^31, got {tensor.dtype} {Internal.Shapes.Format(tensor)}.", nameof(tensor));
        }
        var header = new byte[4 + 4 * tensor.dim()];
        header[2] = Types[match].Code;
        header[3] = (byte)tensor.dim();
        for (var i = 0; i < tensor.dim(); i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), (int)tensor.shape[i]);
        }
        return header;
    }

    private static (ScalarType DType, long[] Shape, long DataLength) ParseHeader(ref SpanReader reader)
    {
        var magic = reader.ReadBytes(4, "magic number");
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw reader.Error("not an IDX file: the magic number does not start with two zero bytes", 0);
        }
        var code = magic[2];
        var match = Array.FindIndex(Types, t => t.Code == code);
        if (match < 0)
        {
            throw reader.Error($"unknown IDX type code 0x{code:X2}", 2);
        }
        var rank = magic[3];
        if (rank is < 1 or > MaxDimensions)
        {
            throw reader.Error($"{rank} dimensions is outside 1 … {MaxDimensions}", 3);
        }
        var shape = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var d = reader.ReadUInt32BE("dimension size");
            if (d > int.MaxValue)
            {
                throw reader.Error($"dimension {i} size {d} exceeds 2^31 - 1", 4 + 4 * i);
            }
            shape[i] = d;
        }
        var dtype = Types[match].DType;
        var length = TensorBytes.ByteCount(shape, TensorBytes.ElementSize(dtype));
        if (length < 0)
        {
            throw reader.Error(
                $"dimensions {Internal.Shapes.Format(shape)} cannot be a tensor: expected their product (zeros counted as 1) times {TensorBytes.ElementSize(dtype)} byte(s) to be at most 2^62, got an overflowing product", 4);
        }
        return (dtype, shape, length);
    }

    private static Tensor DecodePlain(ReadOnlySpan<byte> data)
    {
        var reader = new SpanReader(data, Format);
        var (dtype, shape, length) = ParseHeader(ref reader);
        if (length != reader.Remaining)
        {
            throw reader.Error($"the header declares {Internal.Shapes.Format(shape)} = {length} data bytes, but {reader.Remaining} follow");
        }
        var tensor = empty(shape, dtype);
        if (length > 0)
        {
            var target = tensor.bytes;
            data[reader.Position..].CopyTo(target);
            TensorBytes.Swap(target, TensorBytes.ElementSize(dtype));
        }
        return tensor;
    }

    /// <summary>
    /// Decompresses in <see cref="GzipPiece"/>-byte pieces, checking the header's claim against what arrives (a claim
    /// the data does not back costs only the data), then copies the pieces once into the tensor.
    /// </summary>
    private static Tensor DecodeGzip(Stream compressed, long compressedLength)
    {
        const string gzipFormat = Format + " (gzip)";
        try
        {
            using var gzip = new GZipStream(compressed, CompressionMode.Decompress);
            var head = new byte[4 + 4 * MaxDimensions];
            var got = gzip.ReadAtLeast(head.AsSpan(0, 4), 4, throwOnEndOfStream: false);
            var rank = got == 4 ? Math.Min(head[3], (byte)MaxDimensions) : 0;
            got += gzip.ReadAtLeast(head.AsSpan(4, 4 * rank), 4 * rank, throwOnEndOfStream: false);
            var reader = new SpanReader(head.AsSpan(0, got), gzipFormat);
            var (dtype, shape, length) = ParseHeader(ref reader);
            if (length > compressedLength * MaxInflateRatio || length > Array.MaxLength)
            {
                throw reader.Error($"the header declares {Internal.Shapes.Format(shape)}, more data than {compressedLength} compressed bytes can hold", 4);
            }
            var pieces = new List<byte[]>();
            long filled = 0;
            while (filled < length)
            {
                var piece = new byte[Math.Min(GzipPiece, length - filled)];
                var read = gzip.ReadAtLeast(piece, piece.Length, throwOnEndOfStream: false);
                filled += read;
                if (read < piece.Length)
                {
                    throw Corrupt.At(gzipFormat, got, $"the header declares {length} data bytes, but the decompressed data holds {filled}");
                }
                pieces.Add(piece);
            }
            if (gzip.ReadByte() >= 0)
            {
                throw Corrupt.At(gzipFormat, got, $"the header declares {length} data bytes, but the decompressed data holds more");
            }
            var tensor = empty(shape, dtype);
            if (length > 0)
            {
                var target = tensor.bytes;
                var position = 0;
                foreach (var piece in pieces)
                {
                    piece.CopyTo(target[position..]);
                    position += piece.Length;
                }
                TensorBytes.Swap(target, TensorBytes.ElementSize(dtype));
            }
            return tensor;
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(Format, StringComparison.Ordinal))
        {
            throw Corrupt.At(gzipFormat, 0, "the gzip data is corrupt: " + e.Message, e);
        }
    }
}
