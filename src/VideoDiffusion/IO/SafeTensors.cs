using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}</c>), then the
/// raw little-endian data. Dtypes F16, BF16, F32, F64, I8, I16, I32, I64, U8, BOOL. Reading validates the header
/// against the spec (offsets contiguous, no holes or overlaps, sizes equal to shape x dtype, header at most 100 MB) and
/// against the file length before allocating; pickled PyTorch checkpoints are refused with an explanation. Writes are
/// atomic (temporary file + rename). Module state dicts: <see cref="SafeTensorsModuleExtensions"/>.
/// </summary>
public static class SafeTensors
{
    private const string Format = "safetensors";

    /// <summary>Largest JSON header the reader accepts, in bytes (the reference implementation's limit): 100,000,000.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Most tensors one file may list: 100,000 (large checkpoints hold a few thousand per file). Each entry costs
    /// parsing, validation and a native tensor, so a header of a million tiny entries is refused before any of that.
    /// </summary>
    public const int MaxTensors = 100_000;
    private const long MaxHeaderLength = MaxHeaderBytes;
    private const string MetadataKey = "__metadata__";

    private static readonly (string Code, ScalarType DType)[] Types =
    [
        ("BOOL", ScalarType.Bool), ("U8", ScalarType.Byte), ("I8", ScalarType.Int8), ("I16", ScalarType.Int16),
        ("I32", ScalarType.Int32), ("I64", ScalarType.Int64), ("F16", ScalarType.Float16), ("BF16", ScalarType.BFloat16),
        ("F32", ScalarType.Float32), ("F64", ScalarType.Float64),
    ];

    /// <summary>Writes <paramref name="tensors"/> (any devices; copied to the CPU) and optional metadata to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">A name is empty or <c>__metadata__</c>, or a dtype is not one of the supported ones.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = BuildHeader(tensors, metadata, out var ordered);
        AtomicFile.Write(path, s => WriteBody(s, header, ordered));
    }

    /// <summary>Writes <paramref name="tensors"/> and optional metadata to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">A name is empty or <c>__metadata__</c>, or a dtype is not one of the supported ones.</exception>
    public static void Save(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = BuildHeader(tensors, metadata, out var ordered);
        WriteBody(stream, header, ordered);
    }

    /// <summary>Loads every tensor of the file at <paramref name="path"/> (on <paramref name="device"/>, default CPU).</summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or is a pickled PyTorch checkpoint.</exception>
    public static SafeTensorsFile Load(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Load(stream, device, path);
    }

    /// <summary>Loads every tensor from <paramref name="stream"/> (positioned at the start of the file).</summary>
    /// <exception cref="InvalidDataException">The bytes are not valid safetensors, or are a pickled PyTorch checkpoint.</exception>
    public static SafeTensorsFile Load(Stream stream, Device? device = null) => Load(stream, device, null);

    /// <summary>Reads and validates only the header of the file at <paramref name="path"/> (names, dtypes, shapes, metadata).</summary>
    /// <exception cref="InvalidDataException">The header is not valid, or the file is a pickled PyTorch checkpoint.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, stream.Length, path);
    }

    private static SafeTensorsFile Load(Stream stream, Device? device, string? path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        TorchBackend.EnsureAvailable();
        var input = SeekableInput.Of(stream, out var owned);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            var start = input.Position;
            var header = ReadHeader(input, input.Length - start, path);
            foreach (var info in header.Tensors)
            {
                // The data is contiguous in this order (validated), so reading is sequential.
                var tensor = empty(info.Shape, info.DType);
                tensors.Add(info.Name, tensor);
                TensorBytes.Fill(tensor, input, swapBytes: false, Format, header.DataOffset + info.Begin);
                if (device is not null && device.type != DeviceType.CPU)
                {
                    tensors[info.Name] = tensor.to(device);
                    tensor.Dispose();
                }
            }
            return new SafeTensorsFile(tensors, header.Metadata);
        }
        catch
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
            throw;
        }
        finally
        {
            if (owned)
            {
                input.Dispose();
            }
        }
    }

    private static SafeTensorsHeader ReadHeader(Stream stream, long available, string? path)
    {
        Span<byte> prefix = stackalloc byte[9];
        var got = stream.ReadAtLeast(prefix, 9, throwOnEndOfStream: false);
        if (PickledCheckpoints.LooksPickled(prefix[..got]) && (got < 9 || prefix[8] != (byte)'{'))
        {
            throw PickledCheckpoints.Refuse(Format, path);
        }
        if (got < 9)
        {
            throw Corrupt.Truncated(Format, got, 9 - got, "header length and header");
        }
        var length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (length < 2 || length > MaxHeaderLength || (long)length > available - 8)
        {
            if (PickledCheckpoints.HasPickleExtension(path))
            {
                throw PickledCheckpoints.Refuse(Format, path);
            }
            throw Corrupt.At(Format, 0, $"header length {length} is outside 2 … {Math.Min(MaxHeaderLength, available - 8)} (the bytes after the length field)");
        }
        if (prefix[8] != (byte)'{')
        {
            if (PickledCheckpoints.HasPickleExtension(path))
            {
                throw PickledCheckpoints.Refuse(Format, path);
            }
            throw Corrupt.At(Format, 8, "the header does not start with '{'");
        }
        var json = new byte[length];
        json[0] = (byte)'{';
        if (stream.ReadAtLeast(json.AsSpan(1), json.Length - 1, throwOnEndOfStream: false) < json.Length - 1)
        {
            throw Corrupt.Truncated(Format, 9, (long)length - 1, "header");
        }
        var dataLength = available - 8 - (long)length;
        return ParseHeader(json, dataLength);
    }

    private static SafeTensorsHeader ParseHeader(byte[] json, long dataLength)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw Corrupt.At(Format, 8 + FirstInvalidUtf8(json), "the header is not valid UTF-8");
        }
        RequireTensorCount(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw Corrupt.At(Format, 8 + (e.LineNumber == 0 ? e.BytePositionInLine ?? 0 : 0), "the header is not valid JSON: " + e.Message, e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Corrupt.At(Format, 8, "the header is not a JSON object");
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorInfo>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Corrupt.At(Format, 8, $"the name '{property.Name}' appears twice in the header");
                }
                if (property.Name == MetadataKey)
                {
                    ParseMetadata(property.Value, metadata);
                    continue;
                }
                entries.Add(ParseEntry(property.Name, property.Value));
            }

            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expected = 0;
            foreach (var entry in entries)
            {
                if (entry.Begin != expected)
                {
                    throw Corrupt.At(Format, 8, $"tensor '{entry.Name}' starts at data byte {entry.Begin}, expected {expected} (the data must be contiguous, without holes or overlaps)");
                }
                expected = entry.End;
            }
            if (expected != dataLength)
            {
                throw Corrupt.At(Format, 8, $"the tensors cover {expected} data bytes but the file holds {dataLength}");
            }
            return new SafeTensorsHeader(entries, metadata, 8 + json.Length);
        }
    }

    /// <summary>
    /// Counts the top-level names with a forward-only reader (no allocation) and refuses more than
    /// <see cref="MaxTensors"/> before the header is parsed into entries. Malformed JSON is left to the parser, whose
    /// message is better.
    /// </summary>
    private static void RequireTensorCount(byte[] json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
        var count = 0;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && !reader.ValueTextEquals(MetadataKey) && ++count > MaxTensors)
                {
                    throw Corrupt.At(Format, 8 + reader.TokenStartIndex,
                        $"the header lists more than {MaxTensors} tensors (SafeTensors.MaxTensors); expected at most {MaxTensors}");
                }
            }
        }
        catch (JsonException)
        {
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> text)
    {
        Span<char> scratch = stackalloc char[256];
        var offset = 0;
        while (true)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(text[offset..], scratch, out var read, out _);
            offset += read;
            if (status != System.Buffers.OperationStatus.DestinationTooSmall)
            {
                return offset;
            }
        }
    }

    private static void ParseMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Corrupt.At(Format, 8, "__metadata__ is not an object");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Corrupt.At(Format, 8, $"__metadata__ value '{item.Name}' is not a string");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw Corrupt.At(Format, 8, $"__metadata__ key '{item.Name}' appears twice");
            }
        }
    }

    private static SafeTensorInfo ParseEntry(string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out var dtypeValue) || dtypeValue.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out var shapeValue) || shapeValue.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out var offsetsValue) || offsetsValue.ValueKind != JsonValueKind.Array
            || offsetsValue.GetArrayLength() != 2)
        {
            throw Corrupt.At(Format, 8, $"tensor '{name}' needs a string 'dtype', an array 'shape' and a two-element array 'data_offsets'");
        }
        var code = dtypeValue.GetString();
        var match = Array.FindIndex(Types, t => t.Code == code);
        if (match < 0)
        {
            throw Corrupt.At(Format, 8, $"tensor '{name}' has unsupported dtype '{code}' (supported: {string.Join(", ", Types.Select(t => t.Code))})");
        }
        if (shapeValue.GetArrayLength() > 64)
        {
            throw Corrupt.At(Format, 8, $"tensor '{name}' has more than 64 dimensions");
        }
        var shape = shapeValue.EnumerateArray().Select(d => NonNegative(d, name, "shape")).ToArray();
        var begin = NonNegative(offsetsValue[0], name, "data_offsets");
        var end = NonNegative(offsetsValue[1], name, "data_offsets");
        var dtype = Types[match].DType;
        var size = TensorBytes.ByteCount(shape, TensorBytes.ElementSize(dtype));
        if (size < 0)
        {
            throw Corrupt.At(Format, 8,
                $"tensor '{name}' has 'shape' {Internal.Shapes.Format(shape)}: expected dimensions whose product (zeros counted as 1) times {TensorBytes.ElementSize(dtype)} byte(s) is at most 2^62, got an overflowing product");
        }
        if (end < begin || end - begin != size)
        {
            throw Corrupt.At(Format, 8, $"tensor '{name}' has data_offsets [{begin}, {end}] but {code} {Internal.Shapes.Format(shape)} needs {size} bytes");
        }
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static long NonNegative(JsonElement value, string name, string field)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number) || number < 0)
        {
            throw Corrupt.At(Format, 8, $"tensor '{name}' has a '{field}' entry that is not a non-negative 64-bit integer");
        }
        return number;
    }

    private static byte[] BuildHeader(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata, out List<KeyValuePair<string, Tensor>> ordered)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ordered = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                    writer.WriteString(key, value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in ordered)
            {
                if (string.IsNullOrEmpty(name) || name == MetadataKey)
                {
                    throw new ArgumentException($"Tensor name '{name}' is empty or reserved.", nameof(tensors));
                }
                ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
                var match = Array.FindIndex(Types, t => t.DType == tensor.dtype);
                if (match < 0)
                {
                    throw new ArgumentException(
                        $"Tensor '{name}' has dtype {tensor.dtype}; safetensors here stores {string.Join(", ", Types.Select(t => t.DType))}.", nameof(tensors));
                }
                var size = tensor.numel() * TensorBytes.ElementSize(tensor.dtype);
                writer.WriteStartObject(name);
                writer.WriteString("dtype", Types[match].Code);
                writer.WriteStartArray("shape");
                foreach (var d in tensor.shape)
                {
                    writer.WriteNumberValue(d);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + size);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += size;
            }
            writer.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        var json = buffer.ToArray();
        var padded = (json.Length + 7) / 8 * 8;
        var header = new byte[8 + padded];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)padded);
        json.CopyTo(header, 8);
        header.AsSpan(8 + json.Length).Fill((byte)' ');
        return header;
    }

    private static void WriteBody(Stream stream, byte[] header, List<KeyValuePair<string, Tensor>> ordered)
    {
        stream.Write(header);
        foreach (var (_, tensor) in ordered)
        {
            TensorBytes.Write(tensor, stream);
        }
    }
}
