using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace VideoDiffusion.Benchmarks;

/// <summary>Summary columns computed from <see cref="BenchmarkRecords"/>: live tensors, FLOPs and throughput.</summary>
internal sealed class RecordColumn : IColumn
{
    private static readonly MethodInfo? FullName = typeof(BenchmarkCase).Assembly
        .GetType("BenchmarkDotNet.Exporters.FullNameProvider")?
        .GetMethod("GetBenchmarkName", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static, [typeof(BenchmarkCase)]);

    private readonly Func<IReadOnlyDictionary<string, double>, double?, string> _value;

    private RecordColumn(string id, string name, string legend, Func<IReadOnlyDictionary<string, double>, double?, string> value)
    {
        Id = id;
        ColumnName = name;
        Legend = legend;
        _value = value;
    }

    /// <summary>Live native tensors after the setup and after the last invocation: <c>before -> after</c>.</summary>
    public static RecordColumn LiveTensors { get; } = new("VideoDiffusion.LiveTensors", "Live tensors",
        "Native tensors alive after the global setup -> after the last invocation (torch.Tensor.TotalCount after a full GC); equal numbers = no growth",
        (facts, _) => facts.TryGetValue(BenchmarkRecords.LiveBefore, out var before) && facts.TryGetValue(BenchmarkRecords.LiveAfter, out var after)
            ? string.Create(CultureInfo.InvariantCulture, $"{before:0} -> {after:0}")
            : "-");

    /// <summary>Floating-point operations of one invocation (multiply-adds count 2), counted once by a counting pass.</summary>
    public static RecordColumn Gflop { get; } = new("VideoDiffusion.Gflop", "GFLOP/op",
        "Floating-point operations of one invocation in 1e9, 2 per multiply-add (networks: convolutions, linear layers, temporal convolutions, attention products, counted once by a hooked pass)",
        (facts, _) => facts.TryGetValue(BenchmarkRecords.Flops, out var flops) ? (flops / 1e9).ToString("0.###", CultureInfo.InvariantCulture) : "-");

    /// <summary>Achieved throughput: counted FLOPs divided by the mean time.</summary>
    public static RecordColumn Throughput { get; } = new("VideoDiffusion.Throughput", "GFLOP/s",
        "Counted FLOPs of one invocation / mean time",
        (facts, meanNs) => facts.TryGetValue(BenchmarkRecords.Flops, out var flops) && meanNs is > 0
            ? (flops / meanNs.Value).ToString("0.0", CultureInfo.InvariantCulture)
            : "-");

    /// <inheritdoc />
    public string Id { get; }

    /// <inheritdoc />
    public string ColumnName { get; }

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => false;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend { get; }

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var name = FullName?.Invoke(null, [benchmarkCase]) as string;
        if (name is null)
        {
            return "?";
        }
        return _value(BenchmarkRecords.Read(name), summary[benchmarkCase]?.ResultStatistics?.Mean);
    }

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;
}
