using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// Entry point. <c>dotnet run -c Release --project benchmarks/VideoDiffusion.Benchmarks -- --filter '*'</c> runs every
/// benchmark (see <c>docs/benchmarks.md</c>); <c>-- profile [Tiny|Small] [batch]</c> prints where the time of a
/// U-Net forward pass goes, by layer kind; <c>-- ratios [rounds] [retain]</c> measures the end-to-end ratios in interleaved rounds.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line, or the profile.</summary>
    public static void Main(string[] args)
    {
        switch (args)
        {
            case ["profile", .. var rest]:
                Profile.Run(rest);
                return;
            case ["ratios", .. var rest]:
                PairedRatios.Run(rest);
                return;
        }
        var records = Path.GetFullPath(Path.Combine("BenchmarkDotNet.Artifacts", "records.tsv"));
        Directory.CreateDirectory(Path.GetDirectoryName(records)!);
        File.Delete(records);
        // Child processes inherit the environment, so each benchmark process finds the file.
        Environment.SetEnvironmentVariable(BenchmarkRecords.FileVariable, records);
        var config = DefaultConfig.Instance.AddColumn(RecordColumn.Gflop, RecordColumn.Throughput, RecordColumn.LiveTensors);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
