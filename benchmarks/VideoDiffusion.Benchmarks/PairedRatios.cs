using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.Statistics;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// The <c>ratios</c> command: the two end-to-end targets measured with the benchmarks of
/// <see cref="GenerationBenchmarks"/> run in interleaved rounds (bare, sampled, guided batched, guided in two passes,
/// repeated), so slow drifts of a shared machine hit all four alike; prints the median time of each and the ratios of
/// the medians, with the spread of the per-round ratios.
/// </summary>
internal static class PairedRatios
{
    /// <summary>
    /// Runs <c>[rounds]</c> (default 10) rounds after one warm-up round; with <c>retain</c> as the second argument the
    /// process first calls <see cref="TorchBackend.RetainFreedCpuMemory"/>.
    /// </summary>
    public static void Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var retain = args.Length > 1 && args[1] == "retain";
        if (retain)
        {
            TorchBackend.RetainFreedCpuMemory();
        }
        var benchmarks = new GenerationBenchmarks();
        benchmarks.SetupUnguided();
        (string Name, Action Run)[] cases =
        [
            ("25 bare forwards", benchmarks.BareForwards),
            ("DPM-Solver++(2M), 25 steps", benchmarks.Sample),
            ("guided, batched", benchmarks.GuidedBatched),
            ("guided, two passes", benchmarks.GuidedTwoPasses),
        ];
        var seconds = cases.Select(_ => new List<double>()).ToArray();
        for (var round = -1; round < rounds; round++)
        {
            for (var c = 0; c < cases.Length; c++)
            {
                var start = Stopwatch.GetTimestamp();
                cases[c].Run();
                if (round >= 0)
                {
                    seconds[c].Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
                }
            }
        }
        benchmarks.Cleanup();

        Console.WriteLine($"{rounds} interleaved rounds after one warm-up round{(retain ? ", RetainFreedCpuMemory on" : "")}:");
        Console.WriteLine();
        Console.WriteLine("| case | median | min | max |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        for (var c = 0; c < cases.Length; c++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {cases[c].Name} | {Statistics.Median(seconds[c]):0.000} s | {seconds[c].Min():0.000} s | {seconds[c].Max():0.000} s |"));
        }
        Console.WriteLine();
        Ratio("sampling loop / bare forwards (target <= 1.02)", seconds[1], seconds[0]);
        Ratio("guided batched / guided two passes (target <= 0.75)", seconds[2], seconds[3]);
    }

    private static void Ratio(string name, List<double> numerator, List<double> denominator)
    {
        var perRound = numerator.Zip(denominator, (a, b) => a / b).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {Statistics.Median(numerator) / Statistics.Median(denominator):0.000} (ratio of medians); per round median {Statistics.Median(perRound):0.000}, range {perRound.Min():0.000} - {perRound.Max():0.000}"));
    }
}
