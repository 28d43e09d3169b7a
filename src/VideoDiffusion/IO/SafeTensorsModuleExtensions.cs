using TorchSharp;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// Saves and loads a TorchSharp module's state dict (parameters and persistent buffers) as safetensors, under the
/// module's parameter paths (<c>down.0.conv.weight</c>), so PyTorch's <c>safetensors.torch.load_file</c> +
/// <c>load_state_dict</c> reads our weights and we read theirs.
/// </summary>
public static class SafeTensorsModuleExtensions
{
    /// <summary>Writes the module's state dict to <paramref name="path"/> (atomically).</summary>
    /// <exception cref="ArgumentException">A tensor's dtype is not storable in safetensors.</exception>
    public static void SaveSafeTensors(this nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafeTensors.Save(path, module.state_dict(), metadata);
    }

    /// <summary>
    /// Copies the tensors of <paramref name="path"/> into the module's parameters and buffers (converted to each
    /// target's dtype and device, without recording gradients). Nothing is copied unless every check passes.
    /// </summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="path">A safetensors file.</param>
    /// <param name="strict">When true (the default), a missing or unexpected name is an error; when false, only matching names are copied.</param>
    /// <returns>The names the module has but the file lacks, and the names the file has but the module lacks.</returns>
    /// <exception cref="InvalidDataException">The file is not valid safetensors; a shape differs from the module's; or,
    /// when <paramref name="strict"/>, names are missing or unexpected.</exception>
    public static (IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected) LoadSafeTensors(this nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var file = SafeTensors.Load(path);
        var state = module.state_dict();
        var missing = state.Keys.Where(k => !file.Tensors.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var unexpected = file.Tensors.Keys.Where(k => !state.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
        {
            throw new InvalidDataException(
                $"safetensors: '{path}' does not match the module: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}] (at byte offset 8).");
        }
        foreach (var (name, target) in state)
        {
            if (file.Tensors.TryGetValue(name, out var source) && !source.shape.SequenceEqual(target.shape))
            {
                throw new InvalidDataException(
                    $"safetensors: '{path}' stores '{name}' as {Internal.Shapes.Format(source)}, the module expects {Internal.Shapes.Format(target)} (at byte offset 8).");
            }
        }
        using (no_grad())
        {
            foreach (var (name, target) in state)
            {
                if (file.Tensors.TryGetValue(name, out var source))
                {
                    target.copy_(source);
                }
            }
        }
        return (missing, unexpected);
    }
}
