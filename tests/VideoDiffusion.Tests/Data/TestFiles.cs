using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace VideoDiffusion.Tests.Data;

/// <summary>Writes small MNIST IDX and NumPy .npy files for the dataset tests, byte by byte from the published formats.</summary>
internal static class TestFiles
{
    /// <summary>A fresh temporary directory, deleted by the returned handle.</summary>
    public static TempDir Temp() => new(Directory.CreateTempSubdirectory("vd-data-").FullName);

    /// <summary>IDX images: magic 00 00 08 03, big-endian N, rows, columns, then the bytes.</summary>
    public static void WriteIdx(string path, byte[][] images, int rows, int columns, bool gzip = false)
    {
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        var header = new byte[16];
        header[2] = 0x08;
        header[3] = 3;
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), images.Length);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), columns);
        stream.Write(header);
        foreach (var image in images)
        {
            stream.Write(image);
        }
    }

    /// <summary>A version 1.0 .npy file: magic, version, uint16 header length, dict padded to a multiple of 64, data.</summary>
    public static void WriteNpy(string path, string descr, long[] shape, byte[] data)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({dims}), }}";
        var total = 10 + dict.Length + 1;
        dict = dict.PadRight(dict.Length + (64 - total % 64) % 64) + "\n";
        using var file = File.Create(path);
        file.Write([0x93, .. "NUMPY"u8, 1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)dict.Length);
        file.Write(length);
        file.Write(Encoding.Latin1.GetBytes(dict));
        file.Write(data);
    }

    internal sealed class TempDir(string path) : IDisposable
    {
        public string Path { get; } = path;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
