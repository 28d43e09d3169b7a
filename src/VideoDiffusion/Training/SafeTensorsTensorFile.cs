using VideoDiffusion.IO;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// The weight format of checkpoints and LoRA adapter files: safetensors (<see cref="SafeTensors"/>), with names = module
/// parameter paths, so PyTorch reads the weights with <c>load_state_dict(safetensors.torch.load_file(path))</c>.
/// </summary>
internal sealed class SafeTensorsTensorFile : ITensorFileFormat
{
    public static SafeTensorsTensorFile Instance { get; } = new();

    public string Extension => ".safetensors";

    public string Name => "safetensors";

    public void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensors.Save(stream, new Dictionary<string, Tensor>(tensors, StringComparer.Ordinal), metadata);

    public (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(Stream stream, string path)
    {
        SafeTensorsFile file;
        try
        {
            file = SafeTensors.Load(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
        // The caller takes over the tensors; the file object holds nothing else.
        return (new Dictionary<string, Tensor>(file.Tensors, StringComparer.Ordinal), new Dictionary<string, string>(file.Metadata, StringComparer.Ordinal));
    }
}
