using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// TorchSharp's own state-dict format (what <c>Module.save</c> writes: a LEB128 entry count, then per entry the
/// length-prefixed name and the tensor as written by <c>Tensor.Save</c>), with the metadata stored as an extra uint8
/// entry <c>__metadata__</c> holding UTF-8 JSON. The interim format until the I/O issue's safetensors support lands.
/// </summary>
internal sealed class TorchSharpTensorFile : ITensorFileFormat
{
    private const string MetadataKey = "__metadata__";

    public static TorchSharpTensorFile Instance { get; } = new();

    public string Extension => ".pt";

    public string Name => "torchsharp";

    public void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write7BitEncodedInt64(tensors.Count + (metadata is null ? 0 : 1));
        foreach (var (name, tensor) in tensors)
        {
            writer.Write(name);
            using var host = tensor.detach().cpu().contiguous();
            host.Save(writer);
        }
        if (metadata is not null)
        {
            writer.Write(MetadataKey);
            using var bytes = tensor(JsonSerializer.SerializeToUtf8Bytes(metadata), ScalarType.Byte);
            bytes.Save(writer);
        }
        writer.Flush();
    }

    public (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(Stream stream, string path)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            var count = reader.Read7BitEncodedInt64();
            if (count < 0 || count > stream.Length)
            {
                throw new InvalidDataException($"'{path}' declares {count} tensors at byte offset 0.");
            }
            for (long i = 0; i < count; i++)
            {
                var offset = stream.Position;
                var name = reader.ReadString();
                var value = TensorExtensionMethods.Load(reader);
                if (name == MetadataKey)
                {
                    using (value)
                    {
                        metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(value.data<byte>().ToArray())
                            ?? throw new InvalidDataException($"'{path}' has empty metadata at byte offset {offset}.");
                    }
                    continue;
                }
                if (!tensors.TryAdd(name, value))
                {
                    value.Dispose();
                    throw new InvalidDataException($"'{path}' holds tensor '{name}' twice (byte offset {offset}).");
                }
            }
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException($"'{path}' has {stream.Length - stream.Position} unexpected bytes after its last tensor at byte offset {stream.Position}.");
            }
            return (tensors, metadata);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or FormatException or JsonException or ArgumentException or OverflowException
                                      or OutOfMemoryException or NotSupportedException or InvalidCastException)
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
            throw new InvalidDataException($"'{path}' is not a valid TorchSharp weight file: {e.Message} (near byte offset {SafePosition(stream)}).", e);
        }
        catch (InvalidDataException)
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
            throw;
        }
    }

    private static long SafePosition(Stream stream)
    {
        try
        {
            return stream.Position;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
    }
}
