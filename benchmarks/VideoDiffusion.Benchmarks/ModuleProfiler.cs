using System.Diagnostics;
using System.Globalization;
using System.Text;
using TorchSharp.Modules;
using VideoDiffusion.Predictors;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// Where the time of a forward pass goes: wall time of every module call, measured by forward pre- and post-hooks
/// (libtorch runs CPU kernels synchronously, so the time between the hooks is the module's), reduced to exclusive time
/// (a module's own time minus that of the modules it calls) and summed by layer kind. Whatever a module computes
/// outside its child modules — activations, modulation, residual additions, concatenation, resampling, layout copies,
/// the fused attention kernel — lands in that module's exclusive time.
/// </summary>
internal sealed class ModuleProfiler : IDisposable
{
    private readonly List<Action> _removers = [];
    private readonly Stack<(long Start, long Children)> _open = new();
    private readonly Dictionary<string, (double Seconds, long Calls)> _byKind = new(StringComparer.Ordinal);

    /// <summary>Attaches to every module of <paramref name="network"/>.</summary>
    public ModuleProfiler(SpaceTimeUNet network)
    {
        foreach (var (name, module) in network.named_modules().Prepend((string.Empty, network)))
        {
            var kind = Kind(name, module);
            switch (module)
            {
                case nn.Module<Tensor, Tensor> m:
                    _removers.Add(m.register_forward_pre_hook(_ => Enter()).remove);
                    _removers.Add(m.register_forward_hook(_ => Exit(kind)).remove);
                    break;
                case nn.Module<Tensor, SpaceTimeStep, Tensor> m:
                    _removers.Add(m.register_forward_pre_hook(_ => Enter()).remove);
                    _removers.Add(m.register_forward_hook(_ => Exit(kind)).remove);
                    break;
                case SpaceTimeUNet m:
                    _removers.Add(m.register_forward_pre_hook(_ => Enter()).remove);
                    _removers.Add(m.register_forward_hook(_ => Exit(kind)).remove);
                    break;
            }
        }
    }

    /// <summary>Total measured time, seconds.</summary>
    public double TotalSeconds => _byKind.Values.Sum(v => v.Seconds);

    /// <summary>Forgets what was measured so far (e.g. after a warm-up).</summary>
    public void Reset() => _byKind.Clear();

    /// <summary>Exclusive time by layer kind, largest first, as a markdown table; <paramref name="passes"/> divides the times.</summary>
    public string Table(int passes, double flopsPerPass)
    {
        var total = TotalSeconds;
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Forward time {1e3 * total / passes:0.0} ms per pass ({flopsPerPass / 1e9:0.###} GFLOP, {flopsPerPass * passes / total / 1e9:0.0} GFLOP/s), exclusive time by layer kind:"));
        text.AppendLine();
        text.AppendLine("| layer kind | calls per pass | ms per pass | share |");
        text.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var (kind, (seconds, calls)) in _byKind.OrderByDescending(p => p.Value.Seconds))
        {
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {kind} | {calls / passes} | {1e3 * seconds / passes:0.00} | {100 * seconds / total:0.0} % |"));
        }
        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var remove in _removers)
        {
            remove();
        }
        _removers.Clear();
    }

    private void Enter() => _open.Push((Stopwatch.GetTimestamp(), 0));

    private void Exit(string kind)
    {
        var (start, children) = _open.Pop();
        var elapsed = Stopwatch.GetTimestamp() - start;
        if (_open.TryPop(out var parent))
        {
            _open.Push((parent.Start, parent.Children + elapsed));
        }
        var seconds = (elapsed - children) / (double)Stopwatch.Frequency;
        _byKind[kind] = _byKind.TryGetValue(kind, out var sum) ? (sum.Seconds + seconds, sum.Calls + 1) : (seconds, 1);
    }

    /// <summary>A readable kind: the module type, with linear layers split by role.</summary>
    private static string Kind(string name, nn.Module module) => module switch
    {
        Linear when name.Contains("temporal_attention.", StringComparison.Ordinal) => "Linear (temporal attention q/k/v/out)",
        Linear when name.Contains("attention.", StringComparison.Ordinal) => "Linear (spatial attention q/k/v/out)",
        Linear => "Linear (embeddings)",
        Conv2d when name.EndsWith("conv_shortcut", StringComparison.Ordinal) => "Conv2d 1x1 (shortcut)",
        Conv2d => "Conv2d 3x3",
        TemporalAttention => "TemporalAttention (own: SDPA with position bias, head views, residual)",
        SpatialAttention => "SpatialAttention (own: SDPA, head split, residual)",
        SpaceTimeResBlock => "SpaceTimeResBlock (own: SiLU, modulation, residual, layout views)",
        SpaceTimeUNet => "SpaceTimeUNet (own: embedding, input/output layout, skip cat, upsampling)",
        _ => module.GetType().Name,
    };
}
