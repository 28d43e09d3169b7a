using System.Text.Json;

namespace VideoDiffusion.Training;

/// <summary>The JSON file <c>checkpoint.json</c> of a checkpoint directory: the run state besides the tensors, and the list of tensor files with their sizes and SHA-256 hashes.</summary>
internal sealed record CheckpointManifest
{
    public const string CurrentFormat = "VideoDiffusion.Checkpoint/1";

    public const string FileName = "checkpoint.json";

    public string Format { get; init; } = CurrentFormat;

    public long Step { get; init; }

    public long SkippedSteps { get; init; }

    public int ConsecutiveNonFinite { get; init; }

    public long EmaUpdates { get; init; }

    public double LossScale { get; init; } = 1.0;

    public int LossScaleCleanSteps { get; init; }

    public int LoaderEpoch { get; init; }

    public int LoaderBatch { get; init; }

    /// <summary>State of the trainer's generator (base64 of its byte tensor).</summary>
    public string GeneratorState { get; init; } = "";

    /// <summary>State of TorchSharp's default CPU generator (used by dropout inside networks), base64.</summary>
    public string GlobalGeneratorState { get; init; } = "";

    public string Schedule { get; init; } = "";

    public string Parameterization { get; init; } = "";

    public string Loss { get; init; } = "";

    public string Noise { get; init; } = "";

    public string Timesteps { get; init; } = "";

    public string Dataset { get; init; } = "";

    public string Predictor { get; init; } = "";

    public string WeightFormat { get; init; } = "";

    public JsonElement Options { get; init; }

    public List<CheckpointFile> Files { get; init; } = [];
}

/// <summary>One tensor file of a checkpoint.</summary>
/// <param name="Name">File name inside the checkpoint directory.</param>
/// <param name="Role">What it holds: <c>model</c>, <c>ema</c> or <c>optimizer</c>.</param>
/// <param name="Bytes">Its length.</param>
/// <param name="Sha256">Its SHA-256, lowercase hex.</param>
internal sealed record CheckpointFile(string Name, string Role, long Bytes, string Sha256);
