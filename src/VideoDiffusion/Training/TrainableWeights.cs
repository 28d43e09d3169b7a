using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using VideoDiffusion.Internal;

namespace VideoDiffusion.Training;

/// <summary>
/// The parameters a trainer optimizes and the full-precision view of a model's weights. Without mixed precision the
/// optimized parameters are the module's own trainable parameters. With it they are float32 master copies
/// (Micikevicius et al. 2018): while lowered, the module runs in the reduced type, <see cref="SyncToModel"/> copies
/// the masters in before a forward pass and <see cref="CollectGradients"/> copies the gradients out after the
/// backward pass; <see cref="Raise"/> restores the module to float32 with the exact master and frozen values.
/// </summary>
internal sealed class TrainableWeights : IDisposable
{
    private readonly Module _module;
    private readonly ScalarType? _computeType;
    private readonly ScalarType _masterType;
    private readonly List<(string Name, Parameter Param)> _optimized;
    private Dictionary<string, Tensor>? _frozenSnapshot;

    public TrainableWeights(Module module, ScalarType? computeType)
    {
        _module = module;
        _computeType = computeType;
        var trainable = module.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        if (trainable.Count == 0)
        {
            throw new ArgumentException("The predictor has no trainable parameters (every parameter has requires_grad = false).", "predictor");
        }
        _masterType = trainable[0].parameter.dtype;
        Names = trainable.Select(p => p.name).ToArray();
        if (computeType is null)
        {
            _optimized = trainable;
        }
        else
        {
            using var _ = no_grad();
            _optimized = trainable.Select(p => (p.name, new Parameter(ExponentialMovingAverage.CopyOf(p.parameter), requires_grad: true))).ToList();
        }
    }

    /// <summary>Names of the trainable parameters, in optimizer order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The parameters the optimizer, the gradient clipping and the EMA see.</summary>
    public IReadOnlyList<(string Name, Parameter Param)> Optimized => _optimized;

    /// <summary>Whether the module currently runs in the reduced type.</summary>
    public bool IsLowered => _frozenSnapshot is not null;

    /// <summary>The reduced compute type, or null without mixed precision.</summary>
    public ScalarType? ComputeType => _computeType;

    /// <summary>Casts the module to the compute type (mixed precision only), keeping float32 copies of the frozen state.</summary>
    public void Lower()
    {
        if (_computeType is not { } type || IsLowered)
        {
            return;
        }
        var trainable = Names.ToHashSet(StringComparer.Ordinal);
        using (no_grad())
        {
            _frozenSnapshot = _module.state_dict().Where(kv => !trainable.Contains(kv.Key) && is_floating_point(kv.Value))
                .ToDictionary(kv => kv.Key, kv => ExponentialMovingAverage.CopyOf(kv.Value), StringComparer.Ordinal);
        }
        _module.to(type);
        SyncToModel();
    }

    /// <summary>Restores the module to float32 with the master values and the frozen snapshot.</summary>
    public void Raise()
    {
        if (_frozenSnapshot is null)
        {
            return;
        }
        _module.to(_masterType);
        using (no_grad())
        {
            var state = _module.state_dict();
            foreach (var (name, value) in _frozenSnapshot)
            {
                state[name].copy_(value);
                value.Dispose();
            }
            foreach (var (name, master) in _optimized)
            {
                state[name].copy_(master);
            }
        }
        _frozenSnapshot = null;
    }

    /// <summary>Copies the master values into the lowered module (no-op otherwise).</summary>
    public void SyncToModel()
    {
        if (!IsLowered)
        {
            return;
        }
        using var _ = no_grad();
        var live = LiveParameters();
        foreach (var (name, master) in _optimized)
        {
            live[name].copy_(master);
        }
    }

    /// <summary>Moves the module's gradients, times <paramref name="scale"/>, to the masters (no-op otherwise).</summary>
    public void CollectGradients(double scale)
    {
        if (!IsLowered)
        {
            return;
        }
        using var _ = no_grad();
        var live = LiveParameters();
        foreach (var (name, master) in _optimized)
        {
            using var grad = live[name].grad;
            master.grad = grad is null ? zeros_like(master) : grad.to(master.dtype).MulScalar(scale);
            live[name].grad = null;
        }
    }

    /// <summary>
    /// The model's weights at full precision by state-dict name (views of live tensors; do not modify or dispose), with
    /// the optimized values substituted by <paramref name="overrides"/> when given (e.g. EMA shadows).
    /// </summary>
    public List<KeyValuePair<string, Tensor>> State(IReadOnlyDictionary<string, Tensor>? overrides = null)
    {
        var optimized = _optimized.ToDictionary(p => p.Name, p => (Tensor)p.Param, StringComparer.Ordinal);
        return _module.state_dict().Select(kv =>
        {
            if (overrides is not null && overrides.TryGetValue(kv.Key, out var o))
            {
                return new KeyValuePair<string, Tensor>(kv.Key, o);
            }
            if (optimized.TryGetValue(kv.Key, out var m))
            {
                return new KeyValuePair<string, Tensor>(kv.Key, m);
            }
            return _frozenSnapshot is not null && _frozenSnapshot.TryGetValue(kv.Key, out var f) ? new KeyValuePair<string, Tensor>(kv.Key, f) : kv;
        }).ToList();
    }

    /// <summary>Copies a full weight set (as written from <see cref="State"/>) into the module and the masters.</summary>
    /// <exception cref="InvalidOperationException">Names or shapes differ from the model's (the message names <paramref name="source"/>).</exception>
    public void Load(IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        TrainingCheckpoint.CopyInto(State(), weights, source, "the model");
        SyncToModel();
        if (!IsLowered && _computeType is not null)
        {
            // Masters were loaded; the float32 module mirrors them.
            using var _ = no_grad();
            var live = LiveParameters();
            foreach (var (name, master) in _optimized)
            {
                live[name].copy_(master);
            }
        }
    }

    public void Dispose()
    {
        Raise();
        if (_computeType is not null)
        {
            foreach (var (_, master) in _optimized)
            {
                master.Dispose();
            }
        }
    }

    private Dictionary<string, Parameter> LiveParameters() =>
        _module.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
}
