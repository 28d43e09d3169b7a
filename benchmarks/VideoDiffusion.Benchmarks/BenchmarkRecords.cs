using System.Globalization;
using TorchSharp;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// Facts a benchmark process measures about itself (live native tensors, FLOPs per operation) and the host process
/// shows in extra columns. BenchmarkDotNet runs every benchmark case in its own child process, so the child appends
/// one tab-separated line per fact to a file the host names in <see cref="FileVariable"/> (children inherit the host's
/// environment); the columns read the file when the summary is printed.
/// </summary>
internal static class BenchmarkRecords
{
    /// <summary>Environment variable holding the absolute path of the records file.</summary>
    public const string FileVariable = "VIDEODIFFUSION_BENCHMARK_RECORDS";

    /// <summary>Key of the live tensor count after the global setup.</summary>
    public const string LiveBefore = "live-before";

    /// <summary>Key of the live tensor count before the global cleanup (after every invocation).</summary>
    public const string LiveAfter = "live-after";

    /// <summary>Key of the floating-point operations of one benchmark invocation.</summary>
    public const string Flops = "flops";

    private static long _liveBefore;

    /// <summary>
    /// Native tensors alive in the process (<c>torch.Tensor.TotalCount</c>, all threads), after a full garbage
    /// collection so that a tensor left to the finalizer is not mistaken for a live one — nor a leaked one for a freed one:
    /// a tensor that only the finalizer releases was still leaked by the code under test, and the growth shows it as long
    /// as the benchmark keeps creating such tensors faster than the collector finalizes them.
    /// </summary>
    public static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return torch.Tensor.TotalCount;
    }

    /// <summary>Call at the end of <c>[GlobalSetup]</c>: remembers the live tensor count before any invocation.</summary>
    public static void SetupDone() => _liveBefore = LiveTensors();

    /// <summary>Call at the start of <c>[GlobalCleanup]</c>: records the live tensor counts before and after every invocation.</summary>
    public static void CleanupStarting()
    {
        var after = LiveTensors();
        Write(LiveBefore, _liveBefore);
        Write(LiveAfter, after);
        Console.WriteLine($"// VideoDiffusion live tensors: {_liveBefore} after setup, {after} after the last invocation ({after - _liveBefore:+#;-#;0}).");
    }

    /// <summary>Records the FLOPs of one invocation of the running benchmark.</summary>
    public static void WriteFlops(double flops) => Write(Flops, flops);

    /// <summary>Appends one fact about the running benchmark case (named by BenchmarkDotNet's <c>--benchmarkName</c> argument).</summary>
    private static void Write(string key, double value)
    {
        var path = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        var name = CurrentBenchmarkName();
        File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{name}\t{key}\t{value:R}\n"));
    }

    /// <summary>The facts recorded for the case named <paramref name="benchmarkName"/>, by key (the last value wins).</summary>
    public static IReadOnlyDictionary<string, double> Read(string benchmarkName)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        var path = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            return result;
        }
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split('\t');
            if (parts.Length == 3 && parts[0] == benchmarkName
                && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                result[parts[1]] = value;
            }
        }
        return result;
    }

    /// <summary>The full name BenchmarkDotNet passes to the child process, or <c>unknown</c> in process.</summary>
    private static string CurrentBenchmarkName()
    {
        var args = Environment.GetCommandLineArgs();
        var i = Array.IndexOf(args, "--benchmarkName");
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : "unknown";
    }
}
