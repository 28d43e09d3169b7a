using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoDiffusion.Training;

/// <summary>Appends one JSON object per line to <c>metrics.jsonl</c> in the run directory, flushed after every line so a crash loses nothing written.</summary>
internal sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly StreamWriter _writer;

    public MetricsLog(string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        Path = System.IO.Path.Combine(runDirectory, FileName);
        _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    public string Path { get; }

    public void Write(TrainingProgress progress, double elapsedSeconds)
    {
        _writer.Write(JsonSerializer.Serialize(new Line(progress.Step, progress.Loss, progress.LearningRate, progress.GradNorm,
            progress.SamplesPerSecond, progress.SkippedSteps, elapsedSeconds), Json));
        _writer.Write('\n');
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();

    private sealed record Line(long Step, double Loss, double Lr, double GradNorm, double SamplesPerS, long Skipped, double ElapsedS);
}
