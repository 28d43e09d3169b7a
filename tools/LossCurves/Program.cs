using System.Globalization;
using System.Text.Json;

// LossCurves: draws the training loss of one or more runs (the Trainer's metrics.jsonl) as a PNG, each run as its
// moving average over a window of logged points, for the pictures in docs/quality.md.
//   dotnet run --project tools/LossCurves -c Release -- OUT.png [--window N] [--title T] NAME=runs/x/metrics.jsonl ...
if (args.Length < 2 || args[0].StartsWith("--", StringComparison.Ordinal))
{
    Console.Error.WriteLine("usage: LossCurves OUT.png [--window N] [--title TEXT] [--log] NAME=metrics.jsonl ...");
    return 2;
}
var output = args[0];
var window = 10;
var title = "Training loss";
var logScale = false;
var runs = new List<(string Name, string Path)>();
for (var i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--window" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var w) && w >= 1:
            window = w;
            i++;
            break;
        case "--window":
            Console.Error.WriteLine("error: --window expects a whole number >= 1.");
            return 2;
        case "--title" when i + 1 < args.Length:
            title = args[++i];
            break;
        case "--log":
            logScale = true;
            break;
        default:
            var split = args[i].IndexOf('=', StringComparison.Ordinal);
            if (split <= 0)
            {
                Console.Error.WriteLine($"error: expected NAME=PATH, got '{args[i]}'.");
                return 2;
            }
            runs.Add((args[i][..split], args[i][(split + 1)..]));
            break;
    }
}

var plot = new ScottPlot.Plot();
foreach (var (name, path) in runs)
{
    var points = new List<(double Step, double Loss)>();
    foreach (var text in File.ReadLines(path).Where(line => line.Length > 0))
    {
        using var entry = JsonDocument.Parse(text);
        // Skipped steps log "NaN" (a string): they are not points of the curve.
        if (entry.RootElement.TryGetProperty("loss", out var loss) && loss.ValueKind == JsonValueKind.Number)
        {
            points.Add((entry.RootElement.GetProperty("step").GetDouble(), loss.GetDouble()));
        }
    }
    var steps = new double[points.Count];
    var smoothed = new double[points.Count];
    for (var k = 0; k < points.Count; k++)
    {
        var from = Math.Max(0, k - window + 1);
        steps[k] = points[k].Step;
        smoothed[k] = points.Skip(from).Take(k + 1 - from).Average(p => p.Loss);
    }
    var line = plot.Add.ScatterLine(steps, logScale ? smoothed.Select(Math.Log10).ToArray() : smoothed);
    line.LegendText = name;
    line.LineWidth = 2;
}
if (logScale)
{
    plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
    {
        LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
    };
}
plot.Title(title);
plot.XLabel("optimizer step");
plot.YLabel($"loss (moving average of {window} logged points)");
plot.ShowLegend(ScottPlot.Alignment.UpperRight);
var temp = output + ".tmp.png";
plot.SavePng(temp, 900, 540);
File.Move(temp, output, overwrite: true);
Console.WriteLine($"Wrote {output} ({runs.Count} runs).");
return 0;
