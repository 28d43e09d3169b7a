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
/// paths) and <c>pipeline.json</c> (<c>format</c>, <c>version</c>, the network's type and options, the pipeline options).
/// </summary>
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
        var target = Path.GetFullPath(directory);
        var temp = target + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(temp);
        try
        {
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
            };
            File.WriteAllText(Path.Combine(temp, DescriptionFile), description.ToJsonString(Json));
            unet.SaveSafeTensors(Path.Combine(temp, WeightsFile), new Dictionary<string, string> { ["format"] = Format });
            Replace(temp, target);
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
            throw new DirectoryNotFoundException($"No pipeline folder at '{directory}'.");
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
        var (unetOptions, options) = ReadDescription(jsonPath);
        TorchBackend.EnsureAvailable();
        var network = new SpaceTimeUNet(unetOptions);
        try
        {
            network.LoadSafeTensors(weightsPath, strict: true);
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

    private static (SpaceTimeUNetOptions, VideoDiffusionPipelineOptions) ReadDescription(string path)
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
            return (unet, options.Validate());
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
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
        var old = target + ".old-" + Guid.NewGuid().ToString("N")[..8];
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
