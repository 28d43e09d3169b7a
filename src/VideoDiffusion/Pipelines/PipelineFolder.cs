using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VideoDiffusion.IO;
using VideoDiffusion.Predictors;
using static TorchSharp.torch;

namespace VideoDiffusion.Pipelines;

/// <summary>
/// The on-disk form of a pipeline: a folder with <c>model.safetensors</c> (the network's state dict, keys = parameter
/// paths) and <c>pipeline.json</c> (<c>format</c>, <c>version</c>, the network's type and options, the pipeline options,
/// and the weights file's length and SHA-256).
/// </summary>
/// <remarks>
/// <para>
/// Save writes a complete folder <c>NAME.tmp-XXXXXXXX</c> beside the target (weights first, <c>pipeline.json</c> with
/// their hash last) and renames it into place; an existing target is first renamed to <c>NAME.old-XXXXXXXX</c> and
/// removed afterwards. A process killed at any point leaves either the old or the new folder in place, or — killed
/// between the two renames — no target but a complete <c>.tmp</c> and <c>.old</c>: Load then takes the newest complete
/// one of them (the new pipeline) and renames it back into place. The next successful Save removes every leftover.
/// One writer per folder at a time.
/// </para>
/// <para>
/// Load verifies the weights file's length and SHA-256 against <c>pipeline.json</c> (folders written before the hash
/// was recorded have none to check) and refuses weights with NaN or infinite values.
/// </para>
/// </remarks>
internal static class PipelineFolder
{
    public const string WeightsFile = "model.safetensors";
    public const string DescriptionFile = "pipeline.json";
    private const string Format = "VideoDiffusion.Pipeline";
    private const int Version = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static void Save(VideoDiffusionPipeline pipeline, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (pipeline.Predictor is not SpaceTimeUNet unet)
        {
            throw new InvalidOperationException(
                $"Only a SpaceTimeUNet pipeline can be saved; this one holds {pipeline.Predictor.GetType().Name}. Save its weights with SaveSafeTensors instead.");
        }
        if (pipeline.HasCustomSampler)
        {
            throw new InvalidOperationException(
                $"This pipeline has a custom sampler ({pipeline.Sampler.GetType().Name}), which pipeline.json cannot record; save the pipeline " +
                "it was derived from, or choose a known sampler with WithSampler(SamplerKind).");
        }
        var target = Path.GetFullPath(directory);
        target = target.TrimEnd(Path.DirectorySeparatorChar);
        var temp = target + TempMarker + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(temp);
        try
        {
            var weightsPath = Path.Combine(temp, WeightsFile);
            unet.SaveSafeTensors(weightsPath, new Dictionary<string, string> { ["format"] = Format });
            var description = new JsonObject
            {
                ["format"] = Format,
                ["version"] = Version,
                ["network"] = new JsonObject
                {
                    ["type"] = nameof(SpaceTimeUNet),
                    ["options"] = JsonSerializer.SerializeToNode(unet.Options, Json),
                },
                ["pipeline"] = JsonSerializer.SerializeToNode(pipeline.Options, Json),
                ["weights"] = new JsonObject
                {
                    ["file"] = WeightsFile,
                    ["bytes"] = new FileInfo(weightsPath).Length,
                    ["sha256"] = HashOf(weightsPath),
                },
            };
            File.WriteAllText(Path.Combine(temp, DescriptionFile), description.ToJsonString(Json));
            Replace(temp, target);
            RemoveLeftovers(target);
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
            throw;
        }
    }

    public static (SpaceTimeUNet Network, VideoDiffusionPipelineOptions Options) Load(string directory, Device? device)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            directory = Recover(directory) ?? throw new DirectoryNotFoundException($"No pipeline folder at '{directory}'.");
        }
        var jsonPath = Path.Combine(directory, DescriptionFile);
        var weightsPath = Path.Combine(directory, WeightsFile);
        foreach (var path in new[] { jsonPath, weightsPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The pipeline folder '{directory}' has no {Path.GetFileName(path)}.", path);
            }
        }
        var (unetOptions, options, weights) = ReadDescription(jsonPath);
        if (weights is not null)
        {
            VerifyWeights(weightsPath, weights.Value.Bytes, weights.Value.Sha256);
        }
        TorchBackend.EnsureAvailable();
        var network = new SpaceTimeUNet(unetOptions);
        try
        {
            network.LoadSafeTensors(weightsPath, strict: true);
            RequireFinite(network, weightsPath);
            if (device is not null)
            {
                network.to(device);
            }
            network.eval();
            return (network, options);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static (SpaceTimeUNetOptions, VideoDiffusionPipelineOptions, (long Bytes, string Sha256)? Weights) ReadDescription(string path)
    {
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidDataException($"{path}: expected a JSON object.");
            if ((string?)root["format"] != Format)
            {
                throw new InvalidDataException($"{path}: expected \"format\": \"{Format}\", got {root["format"]?.ToJsonString() ?? "nothing"}.");
            }
            if ((int?)root["version"] is not Version)
            {
                throw new InvalidDataException($"{path}: expected \"version\": {Version}, got {root["version"]?.ToJsonString() ?? "nothing"}.");
            }
            if ((string?)root["network"]?["type"] != nameof(SpaceTimeUNet))
            {
                throw new InvalidDataException($"{path}: expected network type \"{nameof(SpaceTimeUNet)}\", got {root["network"]?["type"]?.ToJsonString() ?? "nothing"}.");
            }
            if (root["network"]!["options"] is JsonObject written && !written.ContainsKey(nameof(SpaceTimeUNetOptions.NormStatistics)))
            {
                // Written before the option existed, when every GroupNorm normalised each frame alone.
                written[nameof(SpaceTimeUNetOptions.NormStatistics)] = nameof(NormStatistics.PerFrame);
            }
            var unet = root["network"]!["options"].Deserialize<SpaceTimeUNetOptions>(Json)
                ?? throw new InvalidDataException($"{path}: the network has no options.");
            var options = root["pipeline"].Deserialize<VideoDiffusionPipelineOptions>(Json)
                ?? throw new InvalidDataException($"{path}: no pipeline options.");
            return (unet, options.Validate(), ReadWeightsEntry(root, path));
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>The optional "weights" entry: the weights file's length and SHA-256.</summary>
    private static (long, string)? ReadWeightsEntry(JsonObject root, string path)
    {
        if (root["weights"] is not JsonNode node)
        {
            return null; // written before the hash was recorded
        }
        if (node is not JsonObject entry || (string?)entry["file"] != WeightsFile || entry["bytes"]?.GetValueKind() != JsonValueKind.Number
            || (string?)entry["sha256"] is not { Length: 64 } sha || !sha.All(char.IsAsciiHexDigitLower))
        {
            throw new InvalidDataException(
                $"{path}: expected \"weights\": {{ \"file\": \"{WeightsFile}\", \"bytes\": <length>, \"sha256\": <64 lowercase hex digits> }}, got {node.ToJsonString()}.");
        }
        var bytes = (long)entry["bytes"]!;
        if (bytes < 0)
        {
            throw new InvalidDataException($"{path}: expected a non-negative \"bytes\" for the weights, got {bytes}.");
        }
        return (bytes, sha);
    }

    private static void VerifyWeights(string path, long bytes, string sha256)
    {
        var length = new FileInfo(path).Length;
        if (length != bytes)
        {
            throw new InvalidDataException($"'{path}' is {length} bytes long; {DescriptionFile} says {bytes} (truncated or replaced).");
        }
        var actual = HashOf(path);
        if (!string.Equals(actual, sha256, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{path}' is corrupt: its SHA-256 is {actual}, {DescriptionFile} says {sha256}.");
        }
    }

    private static string HashOf(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>Refuses a network whose weights hold NaN or infinities: they would make every clip NaN.</summary>
    private static void RequireFinite(SpaceTimeUNet network, string path)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in network.state_dict())
        {
            if (!is_floating_point(tensor))
            {
                continue;
            }
            var bad = tensor.isfinite().logical_not().flatten().nonzero();
            if (bad.shape[0] > 0)
            {
                throw new InvalidDataException(
                    $"'{path}': tensor '{name}' {Internal.Shapes.Format(tensor)} holds {bad.shape[0]} non-finite value(s), the first at flat index {bad[0, 0].item<long>()}; refusing weights that make every clip NaN.");
            }
        }
    }

    /// <summary>
    /// For a missing target: the complete folder a save killed between its two renames left beside it (the newest
    /// complete <c>.tmp</c>, else the newest complete <c>.old</c>), renamed back into place when possible; null if none.
    /// </summary>
    private static string? Recover(string directory)
    {
        var target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(parent) || !Directory.Exists(parent))
        {
            return null;
        }
        var name = Path.GetFileName(target);
        var candidate = Leftovers(parent, name)
            .Where(IsComplete)
            .OrderByDescending(d => Path.GetFileName(d).StartsWith(name + TempMarker, StringComparison.Ordinal)) // the new pipeline first
            .ThenByDescending(d => File.GetLastWriteTimeUtc(Path.Combine(d, DescriptionFile)))
            .FirstOrDefault();
        if (candidate is null)
        {
            return null;
        }
        try
        {
            Directory.Move(candidate, target);
            RemoveLeftovers(target);
            return target;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return candidate; // read-only parent: load the leftover where it is
        }
    }

    private const string TempMarker = ".tmp-";
    private const string OldMarker = ".old-";

    private static IEnumerable<string> Leftovers(string parent, string name) =>
        Directory.EnumerateDirectories(parent, name + ".*")
            .Where(d => Path.GetFileName(d) is var n && (IsMarked(n, name, TempMarker) || IsMarked(n, name, OldMarker)));

    private static bool IsMarked(string folder, string name, string marker) =>
        folder.Length == name.Length + marker.Length + 8 && folder.StartsWith(name + marker, StringComparison.Ordinal)
        && folder[(name.Length + marker.Length)..].All(char.IsAsciiHexDigitLower);

    /// <summary>Whether a folder holds a pipeline whose weights match its description (or, written before hashes, both files).</summary>
    private static bool IsComplete(string folder)
    {
        try
        {
            var json = Path.Combine(folder, DescriptionFile);
            var weights = Path.Combine(folder, WeightsFile);
            if (!File.Exists(json) || !File.Exists(weights))
            {
                return false;
            }
            var (_, _, entry) = ReadDescription(json);
            if (entry is { } e)
            {
                VerifyWeights(weights, e.Bytes, e.Sha256);
            }
            return true;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Deletes the <c>.tmp</c> and <c>.old</c> folders that killed or failed saves left beside the target.</summary>
    private static void RemoveLeftovers(string target)
    {
        var parent = Path.GetDirectoryName(target);
        if (string.IsNullOrEmpty(parent))
        {
            return;
        }
        foreach (var leftover in Leftovers(parent, Path.GetFileName(target)).ToList())
        {
            try
            {
                Directory.Delete(leftover, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a leftover that cannot be removed now is removed by a later save.
            }
        }
    }

    // Renames the complete new folder into place; an existing folder is moved aside first and removed afterwards.
    private static void Replace(string temp, string target)
    {
        var parent = Path.GetDirectoryName(target);
        if (!string.IsNullOrEmpty(parent))
        {
            Directory.CreateDirectory(parent);
        }
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return;
        }
        var old = target + OldMarker + Guid.NewGuid().ToString("N")[..8];
        Directory.Move(target, old);
        try
        {
            Directory.Move(temp, target);
        }
        catch
        {
            Directory.Move(old, target);
            throw;
        }
        Directory.Delete(old, recursive: true);
    }
}
