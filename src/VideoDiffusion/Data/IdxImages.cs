using System.Buffers.Binary;
using System.IO.Compression;

namespace VideoDiffusion.Data;

/// <summary>
/// Reads the images of an IDX file (LeCun et al., the MNIST distribution format): magic <c>00 00 08 03</c> (unsigned
/// bytes, 3 dimensions), the big-endian int32 dimensions N, rows, columns, then N x rows x columns bytes. Gzip-compressed
/// files (<c>.gz</c>, detected by their magic) are read transparently.
/// </summary>
internal static class IdxImages
{
    /// <summary>The images of <paramref name="path"/>, row-major.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not an IDX file of unsigned-byte images, or is truncated (the message names the file and the byte offset).</exception>
    public static (int Count, int Rows, int Columns, byte[] Pixels) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"MNIST IDX file '{path}' does not exist.", path);
        }
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        var gzip = file.Read(magic) == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        file.Position = 0;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        var header = new byte[16];
        var got = ReadFully(stream, header);
        if (got < 4 || header[0] != 0 || header[1] != 0 || header[2] != 0x08 || header[3] != 3)
        {
            throw new InvalidDataException(
                $"'{path}' is not an IDX file of unsigned-byte images: expected magic 00 00 08 03 at byte offset 0, got {Convert.ToHexString(header, 0, Math.Min(got, 4))}.");
        }
        if (got < 16)
        {
            throw new InvalidDataException($"'{path}' is truncated: the IDX header needs 16 bytes, the file ends at byte offset {got}.");
        }
        var count = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(8));
        var columns = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12));
        if (count < 0 || rows < 1 || columns < 1 || (long)count * rows * columns > Array.MaxLength)
        {
            throw new InvalidDataException($"'{path}' has invalid IDX dimensions {count} x {rows} x {columns} at byte offset 4.");
        }
        var pixels = new byte[count * rows * columns];
        var read = ReadFully(stream, pixels);
        if (read < pixels.Length)
        {
            throw new InvalidDataException(
                $"'{path}' is truncated: {count} images of {rows} x {columns} need {pixels.Length} bytes after the header, the data ends at byte offset {16 + read}.");
        }
        return (count, rows, columns, pixels);
    }

    private static int ReadFully(Stream stream, byte[] buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
