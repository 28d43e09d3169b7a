using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// The file format of the weight files in checkpoints and LoRA adapter files: named tensors plus string metadata.
/// A seam so the format can change without touching the checkpoint logic (and so tests can inject a failing writer).
/// </summary>
internal interface ITensorFileFormat
{
    /// <summary>File name extension including the dot (e.g. <c>.safetensors</c>).</summary>
    string Extension { get; }

    /// <summary>A short name stored in checkpoint manifests.</summary>
    string Name { get; }

    /// <summary>Writes the tensors (any device; they are not modified) and the metadata to <paramref name="stream"/>.</summary>
    void Write(Stream stream, IReadOnlyList<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null);

    /// <summary>Reads every tensor (on the CPU, owned by the caller) and the metadata.</summary>
    /// <exception cref="InvalidDataException">The content is not a valid file of this format (the message names <paramref name="path"/>).</exception>
    (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) Read(Stream stream, string path);
}
