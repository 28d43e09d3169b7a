using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// Writes and reads checkpoint directories atomically. A checkpoint is written into a temporary sibling directory,
/// every file flushed to disk, the manifest last; only then is the directory renamed to <c>step-NNNNNNNN</c>. Older
/// checkpoints are pruned only after that, so the previous good checkpoint is never touched before the new one is
/// complete. Reading verifies every file's length and SHA-256 before parsing it.
/// </summary>
/// <remarks>
/// What a kill leaves, at any point: a <c>.tmp-*</c> directory (ignored, removed by the next save); while re-saving a
/// step, the previous copy moved aside to <c>step-NNNNNNNN.old-*</c> with no primary (<see cref="List"/> reports it
/// and <see cref="Recover"/> moves it back; it is deleted only once a primary of its step exists); a pruned checkpoint
/// is first renamed to <c>.trash-*</c> and then deleted, so no half-deleted <c>step-*</c> directory remains.
/// </remarks>
internal sealed class CheckpointStore
{
    private const string Prefix = "step-";
    private const string TempPrefix = ".tmp-";
    private const string TrashPrefix = ".trash-";
    private const string AsideMarker = ".old-";

    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    public CheckpointStore(string root, ITensorFileFormat format)
    {
        Root = root;
        Format = format;
    }

    /// <summary>The directory holding the checkpoint directories (<c>&lt;run&gt;/checkpoints</c>).</summary>
    public string Root { get; }

    public ITensorFileFormat Format { get; }

    /// <summary>Directory name of the checkpoint at <paramref name="step"/>.</summary>
    public static string NameOf(long step) => Prefix + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>
    /// Complete checkpoints (directories with a manifest), oldest first. A step whose primary directory is missing but
    /// whose copy was moved aside by an interrupted re-save is listed with the aside copy's path.
    /// </summary>
    public IReadOnlyList<(long Step, string Path)> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        var found = new Dictionary<long, string>();
        foreach (var dir in Directory.GetDirectories(Root, Prefix + "*"))
        {
            if (StepOf(dir) is { } step && !IsAside(dir) && IsComplete(dir))
            {
                found[step] = dir;
            }
        }
        foreach (var (step, aside) in AsideCopies())
        {
            found.TryAdd(step, aside);
        }
        return found.OrderBy(f => f.Key).Select(f => (f.Key, f.Value)).ToList();
    }

    /// <summary>
    /// Moves back every complete copy that an interrupted re-save moved aside and whose step has no primary directory,
    /// so the only good copy of a step is never mistaken for a leftover.
    /// </summary>
    /// <exception cref="IOException">A copy could not be moved back.</exception>
    public void Recover()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }
        foreach (var (step, aside) in AsideCopies().ToList())
        {
            var primary = System.IO.Path.Combine(Root, NameOf(step));
            if (Directory.Exists(primary))
            {
                // An incomplete primary (no manifest) is not a checkpoint; the aside copy is.
                Directory.Move(primary, System.IO.Path.Combine(Root, TrashPrefix + NameOf(step) + "-" + Guid.NewGuid().ToString("N")));
            }
            Directory.Move(aside, primary);
        }
    }

    /// <summary>
    /// Writes a checkpoint: the tensor files (role, tensors, metadata) then the manifest, atomically renamed into place,
    /// then prunes to the newest <paramref name="keep"/>.
    /// </summary>
    /// <returns>The checkpoint directory.</returns>
    public string Save(CheckpointManifest manifest, IReadOnlyList<(string Role, IReadOnlyList<KeyValuePair<string, Tensor>> Tensors)> files, int keep)
    {
        Directory.CreateDirectory(Root);
        Recover();
        RemoveStaleTemporaries();
        var name = NameOf(manifest.Step);
        var temp = System.IO.Path.Combine(Root, TempPrefix + name + "-" + Guid.NewGuid().ToString("N"));
        var final = System.IO.Path.Combine(Root, name);
        Directory.CreateDirectory(temp);
        try
        {
            var entries = new List<CheckpointFile>();
            foreach (var (role, tensors) in files)
            {
                var fileName = role + Format.Extension;
                var path = System.IO.Path.Combine(temp, fileName);
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    Format.Write(stream, tensors);
                    stream.Flush(flushToDisk: true);
                }
                entries.Add(new CheckpointFile(fileName, role, new FileInfo(path).Length, HashOf(path)));
            }
            var bytes = JsonSerializer.SerializeToUtf8Bytes(manifest with { WeightFormat = Format.Name, Files = entries }, Json);
            using (var stream = new FileStream(System.IO.Path.Combine(temp, CheckpointManifest.FileName), FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            Publish(temp, final);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        Prune(keep, final);
        return final;
    }

    /// <summary>Reads and verifies a checkpoint's manifest and tensor files.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is missing, truncated, corrupt or not of the expected format (the message names the file).</exception>
    public static (CheckpointManifest Manifest, Dictionary<string, Dictionary<string, Tensor>> Tensors) Read(string directory, ITensorFileFormat format)
    {
        var manifest = ReadManifest(directory);
        if (manifest.WeightFormat != format.Name)
        {
            throw new InvalidDataException(
                $"'{System.IO.Path.Combine(directory, CheckpointManifest.FileName)}' says the weights are in format '{manifest.WeightFormat}'; this build reads '{format.Name}'.");
        }
        // Verify every file before parsing any, so a damaged checkpoint fails fast and allocates no tensors.
        var contents = manifest.Files.Select(f => (File: f, Path: System.IO.Path.Combine(directory, f.Name))).Select(f => (f.File, f.Path, Bytes: Verified(f.Path, f.File))).ToList();
        var tensors = new Dictionary<string, Dictionary<string, Tensor>>(StringComparer.Ordinal);
        try
        {
            foreach (var (file, path, bytes) in contents)
            {
                using var stream = new MemoryStream(bytes, writable: false);
                tensors[file.Role] = format.Read(stream, path).Tensors;
            }
        }
        catch
        {
            Dispose(tensors);
            throw;
        }
        return (manifest, tensors);
    }

    /// <summary>Reads and validates <c>checkpoint.json</c> of <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">The manifest is missing, not valid JSON, or incomplete.</exception>
    public static CheckpointManifest ReadManifest(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Checkpoint directory '{directory}' does not exist.");
        }
        var path = System.IO.Path.Combine(directory, CheckpointManifest.FileName);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"'{path}' is missing: '{directory}' is not a complete checkpoint.");
        }
        var bytes = File.ReadAllBytes(path);
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(bytes, Json);
        }
        catch (JsonException e)
        {
            var offset = ByteOffset(bytes, e.LineNumber, e.BytePositionInLine);
            throw new InvalidDataException($"'{path}' is not valid JSON (truncated or corrupt) at byte offset {offset} of {bytes.Length}: {e.Message}", e);
        }
        if (manifest is null || manifest.Format != CheckpointManifest.CurrentFormat || manifest.Files is null
            || manifest.Files.Any(f => f is null || string.IsNullOrEmpty(f.Name) || f.Name.Contains('/') || f.Name.Contains('\\') || f.Name.Contains("..", StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"'{path}' is not a {CheckpointManifest.CurrentFormat} manifest (format '{manifest?.Format}').");
        }
        return manifest;
    }

    /// <summary>Disposes the tensors of a <see cref="Read"/> result.</summary>
    public static void Dispose(Dictionary<string, Dictionary<string, Tensor>> tensors)
    {
        foreach (var t in tensors.Values.SelectMany(d => d.Values))
        {
            t.Dispose();
        }
        tensors.Clear();
    }

    private static byte[] Verified(string path, CheckpointFile file)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"'{path}' ({file.Role} weights) is missing from the checkpoint.");
        }
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length != file.Bytes)
        {
            throw new InvalidDataException(
                $"'{path}' ({file.Role} weights) is {(bytes.Length < file.Bytes ? "truncated" : "too long")}: expected {file.Bytes} bytes, the file ends at byte offset {bytes.Length}.");
        }
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(hash, file.Sha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}' ({file.Role} weights) is corrupt: its SHA-256 is {hash}, the manifest says {file.Sha256}.");
        }
        return bytes;
    }

    private static string HashOf(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static long ByteOffset(byte[] bytes, long? line, long? bytePositionInLine)
    {
        long offset = 0;
        for (long l = 0; l < (line ?? 0) && offset < bytes.Length; offset++)
        {
            if (bytes[offset] == (byte)'\n')
            {
                l++;
            }
        }
        return Math.Min(bytes.Length, offset + (bytePositionInLine ?? 0));
    }

    private static void Publish(string temp, string final)
    {
        if (!Directory.Exists(final))
        {
            Directory.Move(temp, final);
            return;
        }
        // Re-saving the same step: move the old one aside first, so a complete checkpoint exists at every moment.
        var aside = final + AsideMarker + Guid.NewGuid().ToString("N");
        Directory.Move(final, aside);
        Directory.Move(temp, final);
        TryDelete(aside);
    }

    private void Prune(int keep, string newest)
    {
        var complete = List();
        foreach (var (_, path) in complete.Take(Math.Max(0, complete.Count - keep)))
        {
            if (!string.Equals(path, newest, StringComparison.Ordinal))
            {
                Discard(path);
            }
        }
    }

    /// <summary>Renames a checkpoint out of the <c>step-*</c> names before deleting it, so a kill mid-delete leaves no half checkpoint.</summary>
    private void Discard(string directory)
    {
        var trash = System.IO.Path.Combine(Root, TrashPrefix + System.IO.Path.GetFileName(directory) + "-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.Move(directory, trash);
        }
        catch (IOException)
        {
            return; // best effort: it stays a complete checkpoint and the next prune tries again
        }
        catch (UnauthorizedAccessException)
        {
            return;
        }
        TryDelete(trash);
    }

    /// <summary>Removes temporaries, trash, and copies moved aside whose step has a primary again (run after <see cref="Recover"/>).</summary>
    private void RemoveStaleTemporaries()
    {
        foreach (var dir in Directory.GetDirectories(Root, TempPrefix + "*").Concat(Directory.GetDirectories(Root, TrashPrefix + "*")))
        {
            TryDelete(dir);
        }
        foreach (var dir in Directory.GetDirectories(Root, Prefix + "*" + AsideMarker + "*"))
        {
            // After Recover an aside copy without a primary is incomplete (no manifest): it was never a good copy.
            if (StepOf(dir) is not { } step || IsComplete(System.IO.Path.Combine(Root, NameOf(step))) || !IsComplete(dir))
            {
                TryDelete(dir);
            }
        }
    }

    /// <summary>Complete copies moved aside by an interrupted re-save whose step has no complete primary, newest write per step.</summary>
    private IEnumerable<(long Step, string Path)> AsideCopies() =>
        Directory.GetDirectories(Root, Prefix + "*" + AsideMarker + "*")
            .Select(dir => (Step: StepOf(dir), Path: dir))
            .Where(c => c.Step is not null && IsComplete(c.Path) && !IsComplete(System.IO.Path.Combine(Root, NameOf(c.Step.Value))))
            .GroupBy(c => c.Step!.Value)
            .Select(g => (g.Key, g.OrderByDescending(c => Directory.GetLastWriteTimeUtc(c.Path)).First().Path));

    /// <summary>The step of <c>step-NNNNNNNN</c> or <c>step-NNNNNNNN.old-*</c>, or null for other names.</summary>
    private static long? StepOf(string directory)
    {
        var name = System.IO.Path.GetFileName(directory).AsSpan(Prefix.Length);
        var aside = name.IndexOf(AsideMarker, StringComparison.Ordinal);
        var digits = aside >= 0 ? name[..aside] : name;
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : null;
    }

    private static bool IsAside(string directory) => System.IO.Path.GetFileName(directory).Contains(AsideMarker, StringComparison.Ordinal);

    private static bool IsComplete(string directory) => File.Exists(System.IO.Path.Combine(directory, CheckpointManifest.FileName));

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary directory is ignored by List() and removed by the next save.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
