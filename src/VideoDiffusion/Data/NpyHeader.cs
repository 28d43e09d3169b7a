using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace VideoDiffusion.Data;

/// <summary>
/// The header of a NumPy <c>.npy</c> file (format versions 1–3): magic <c>\x93NUMPY</c>, version, header length
/// (uint16 for 1.0, uint32 for 2.0 and 3.0, little-endian) and a Python dict literal with <c>descr</c>,
/// <c>fortran_order</c> and <c>shape</c>. Only the header is parsed; the data is read lazily by offset.
/// </summary>
internal sealed partial record NpyHeader(string Path, string Descr, long[] Shape, long DataOffset)
{
    /// <summary>Bytes per element.</summary>
    public int ItemSize => Descr[1..] switch
    {
        "u1" => 1,
        "f4" => 4,
        _ => 8,
    };

    /// <summary>Number of elements.</summary>
    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a supported .npy file or is shorter than its header says (the message names the file and the byte offset).</exception>
    public static NpyHeader Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($".npy file '{path}' does not exist.", path);
        }
        using var file = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[12];
        var got = file.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        if (got < 10 || prefix[0] != 0x93 || !prefix[1..6].SequenceEqual("NUMPY"u8))
        {
            throw new InvalidDataException($"'{path}' is not a .npy file: expected the magic \\x93NUMPY at byte offset 0.");
        }
        var major = prefix[6];
        if (major is not (1 or 2 or 3))
        {
            throw new InvalidDataException($"'{path}' has unsupported .npy format version {major}.{prefix[7]} at byte offset 6.");
        }
        var (lengthBytes, headerLength) = major == 1
            ? (2, (long)BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..]))
            : (4, got >= 12 ? BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]) : -1L);
        var dataOffset = 8 + lengthBytes + headerLength;
        if (headerLength < 0 || file.Length < dataOffset)
        {
            throw new InvalidDataException($"'{path}' is truncated: its header ends at byte offset {dataOffset}, the file has {file.Length} bytes.");
        }
        var text = new byte[headerLength];
        file.Position = 8 + lengthBytes;
        file.ReadExactly(text);
        var dict = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(text);
        var header = Parse(path, dict, dataOffset);
        var expected = dataOffset + header.Elements * header.ItemSize;
        if (file.Length < expected)
        {
            throw new InvalidDataException(
                $"'{path}' is truncated: shape ({string.Join(", ", header.Shape)}) of {header.Descr} needs {expected} bytes, the file ends at byte offset {file.Length}.");
        }
        return header;
    }

    private static NpyHeader Parse(string path, string dict, long dataOffset)
    {
        var descr = DescrPattern().Match(dict);
        var fortran = FortranPattern().Match(dict);
        var shape = ShapePattern().Match(dict);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new InvalidDataException($"'{path}' has an unreadable .npy header dict at byte offset 10: {dict.Trim()}");
        }
        if (fortran.Groups[1].Value == "True")
        {
            throw new InvalidDataException($"'{path}' is stored in Fortran order; save it with C order (numpy.ascontiguousarray).");
        }
        var d = descr.Groups[1].Value;
        if (d is not ("|u1" or "<u1" or "<f4" or "<f8"))
        {
            throw new InvalidDataException($"'{path}' has unsupported dtype '{d}': expected uint8 or little-endian float32/float64.");
        }
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => long.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        return new NpyHeader(path, d.Replace('<', '|'), dims, dataOffset);
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([\d\s,]*)\)")]
    private static partial Regex ShapePattern();
}
