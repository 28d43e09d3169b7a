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
internal sealed class CheckpointStore
{
    private const string Prefix = "step-";
    private const string TempPrefix = ".tmp-";

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

    /// <summary>Complete checkpoints (directories with a manifest), oldest first.</summary>
    public IReadOnlyList<(long Step, string Path)> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        var found = new List<(long, string)>();
        foreach (var dir in Directory.GetDirectories(Root, Prefix + "*"))
        {
            var name = System.IO.Path.GetFileName(dir);
            if (long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var step)
                && File.Exists(System.IO.Path.Combine(dir, CheckpointManifest.FileName)))
            {
                found.Add((step, dir));
            }
        }
        return found.OrderBy(f => f.Item1).ToList();
    }

    /// <summary>
    /// Writes a checkpoint: the tensor files (role, tensors, metadata) then the manifest, atomically renamed into place,
    /// then prunes to the newest <paramref name="keep"/>.
    /// </summary>
    /// <returns>The checkpoint directory.</returns>
    public string Save(CheckpointManifest manifest, IReadOnlyList<(string Role, IReadOnlyList<KeyValuePair<string, Tensor>> Tensors)> files, int keep)
    {
        Directory.CreateDirectory(Root);
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
        var aside = final + ".old-" + Guid.NewGuid().ToString("N");
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
                TryDelete(path);
            }
        }
    }

    private void RemoveStaleTemporaries()
    {
        foreach (var dir in Directory.GetDirectories(Root, TempPrefix + "*").Concat(Directory.GetDirectories(Root, Prefix + "*.old-*")))
        {
            TryDelete(dir);
        }
    }

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
