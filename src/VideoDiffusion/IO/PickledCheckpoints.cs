namespace VideoDiffusion.IO;

/// <summary>
/// Recognizes PyTorch's pickled checkpoints (<c>torch.save</c>: a zip archive since PyTorch 1.6, a bare pickle
/// stream before) so loaders can refuse them with an explanation instead of a parse error. Unpickling runs arbitrary
/// code from the file, so this library never does it.
/// </summary>
internal static class PickledCheckpoints
{
    private static readonly string[] Extensions = [".pt", ".pth", ".ckpt", ".bin", ".pkl", ".pickle"];

    /// <summary>Whether <paramref name="head"/> (the first bytes of a file) starts like a zip archive or a pickle stream (protocol 2–5).</summary>
    public static bool LooksPickled(ReadOnlySpan<byte> head) =>
        head.StartsWith("PK\x03\x04"u8) || (head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5);

    /// <summary>Whether <paramref name="path"/> has an extension PyTorch pickles are usually saved under.</summary>
    public static bool HasPickleExtension(string? path) =>
        path is not null && Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    /// <summary>The exception that explains why a pickled checkpoint is refused and how to convert it.</summary>
    public static InvalidDataException Refuse(string format, string? path) => Corrupt.At(format, 0,
        $"{(path is null ? "the data" : $"'{Path.GetFileName(path)}'")} looks like a pickled PyTorch checkpoint (torch.save: .pt, .pth, .ckpt, .bin). " +
        "It is refused because unpickling executes code stored in the file. Convert it once in Python, where you trust it: " +
        "`from safetensors.torch import save_file; save_file(torch.load(p, weights_only=True), 'model.safetensors')`, then load the .safetensors file");
}
