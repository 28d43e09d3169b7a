using TorchSharp;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>Reading checkpoints written by <see cref="Trainer"/> outside a training run (e.g. to sample from one).</summary>
public static class TrainingCheckpoint
{
    /// <summary>The newest complete checkpoint directory of a run directory, or null when it has none.</summary>
    /// <param name="runDirectory">The run directory (<see cref="TrainerOptions.RunDirectory"/>).</param>
    public static string? FindLatest(string runDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        var all = new CheckpointStore(Path.Combine(runDirectory, "checkpoints"), SafeTensorsTensorFile.Instance).List();
        return all.Count == 0 ? null : all[^1].Path;
    }

    /// <summary>The step a checkpoint was written at (reads and validates its manifest only).</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">The manifest is missing, truncated or corrupt.</exception>
    public static long StepOf(string checkpointDirectory) => CheckpointStore.ReadManifest(checkpointDirectory).Step;

    /// <summary>
    /// Loads the weights of a checkpoint into <paramref name="module"/>: the averaged (EMA) weights when
    /// <paramref name="ema"/> and the checkpoint has them, the training weights otherwise.
    /// </summary>
    /// <returns>Whether the EMA weights were loaded.</returns>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is missing, truncated or corrupt.</exception>
    /// <exception cref="InvalidOperationException">The weights do not match the module (names or shapes).</exception>
    public static bool LoadWeights(string checkpointDirectory, nn.Module module, bool ema = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        var (_, tensors) = CheckpointStore.Read(checkpointDirectory, SafeTensorsTensorFile.Instance);
        try
        {
            var useEma = ema && tensors.ContainsKey("ema");
            var role = useEma ? "ema" : "model";
            var weights = tensors.TryGetValue(role, out var w) ? w : throw new InvalidDataException(
                $"'{Path.Combine(checkpointDirectory, CheckpointManifest.FileName)}' lists no {role} file.");
            CopyInto(module.state_dict().ToList(), weights, Path.Combine(checkpointDirectory, role + SafeTensorsTensorFile.Instance.Extension), module.GetType().Name);
            return useEma;
        }
        finally
        {
            CheckpointStore.Dispose(tensors);
        }
    }

    /// <summary>
    /// Copies <paramref name="weights"/> into <paramref name="targets"/> (a full state dict) after checking that the names
    /// agree exactly and every shape matches; nothing is copied when a check fails.
    /// </summary>
    /// <exception cref="InvalidOperationException">Names or shapes differ (the message names <paramref name="source"/>).</exception>
    internal static void CopyInto(IReadOnlyList<KeyValuePair<string, Tensor>> targets, IReadOnlyDictionary<string, Tensor> weights, string source, string what)
    {
        RequireSameNamesAndShapes(targets, weights, source, what);
        using var _ = no_grad();
        foreach (var (name, target) in targets)
        {
            target.copy_(weights[name]);
        }
    }

    /// <summary>Requires <paramref name="weights"/> to have exactly the names of <paramref name="targets"/>, each with its shape.</summary>
    /// <exception cref="InvalidOperationException">Names or shapes differ (the message names <paramref name="source"/>).</exception>
    internal static void RequireSameNamesAndShapes(IReadOnlyList<KeyValuePair<string, Tensor>> targets, IReadOnlyDictionary<string, Tensor> weights, string source, string what)
    {
        var names = targets.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var missing = names.Where(k => !weights.ContainsKey(k)).ToArray();
        var extra = weights.Keys.Where(k => !names.Contains(k)).ToArray();
        var reshaped = targets.Where(kv => weights.TryGetValue(kv.Key, out var w) && !w.shape.SequenceEqual(kv.Value.shape))
            .Select(kv => $"{kv.Key} {Internal.Shapes.Format(weights[kv.Key])} vs {Internal.Shapes.Format(kv.Value)}").ToArray();
        if (missing.Length > 0 || extra.Length > 0 || reshaped.Length > 0)
        {
            throw new InvalidOperationException(
                $"'{source}' does not match {what}: missing [{Few(missing)}], unexpected [{Few(extra)}], other shape (file vs model) [{Few(reshaped)}].");
        }
    }

    private static string Few(string[] names) => string.Join(", ", names.Take(5)) + (names.Length > 5 ? ", …" : "");
}
