using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;
using VideoDiffusion.Internal;

namespace VideoDiffusion.Training;

/// <summary>
/// Exponential moving average of weights (Polyak &amp; Juditsky 1992; used for sampling since Ho et al. 2020):
/// after each optimizer step <c>shadow = d shadow + (1 - d) weight</c> with the warmup decay
/// <c>d = min(Decay, (1 + n) / (10 + n))</c>, n = updates so far (as diffusers' <c>EMAModel</c>), so early shadows
/// follow the fast-moving weights. Shadows are kept for the trainable parameters only; the rest of a model is
/// unchanged by training.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly Dictionary<string, Tensor> _shadows = new(StringComparer.Ordinal);

    /// <summary>Starts the average at the current values of <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The named tensors to average (copied).</param>
    /// <param name="decay">The decay cap, in [0, 1). <value>A common value is 0.9999.</value></param>
    /// <param name="warmup">Use the warmup decay; false = always <paramref name="decay"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="decay"/> is outside [0, 1).</exception>
    /// <exception cref="ArgumentException">A name occurs twice.</exception>
    public ExponentialMovingAverage(IEnumerable<(string Name, Tensor Value)> parameters, double decay, bool warmup = true)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(decay >= 0 && decay < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "Expected a decay in [0, 1).");
        }
        TorchBackend.EnsureAvailable();
        Decay = decay;
        Warmup = warmup;
        using var _ = no_grad();
        try
        {
            foreach (var (name, value) in parameters)
            {
                if (_shadows.ContainsKey(name))
                {
                    throw new ArgumentException($"Parameter '{name}' occurs twice.", nameof(parameters));
                }
                _shadows[name] = CopyOf(value);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The decay cap.</summary>
    public double Decay { get; }

    /// <summary>Whether the warmup decay is used.</summary>
    public bool Warmup { get; }

    /// <summary>Updates applied so far.</summary>
    public long Updates { get; private set; }

    /// <summary>The decay the next update will use.</summary>
    public double CurrentDecay => Warmup ? Math.Min(Decay, (1.0 + Updates) / (10.0 + Updates)) : Decay;

    /// <summary>The averaged tensors by name (owned by this object).</summary>
    public IReadOnlyDictionary<string, Tensor> Shadows => _shadows;

    /// <summary>Moves every shadow one step towards the current weights.</summary>
    /// <param name="parameters">The current values, by the names given at construction.</param>
    /// <exception cref="ArgumentException">A name is unknown.</exception>
    public void Update(IEnumerable<(string Name, Tensor Value)> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var d = CurrentDecay;
        using var _ = no_grad();
        foreach (var (name, value) in parameters)
        {
            // detach() makes a new native handle: dispose it here, or every update leaks one per parameter outside a scope.
            using var detached = value.detach();
            Shadow(name).MulScalar_(d).AddScaled_(detached, 1 - d);
        }
        Updates++;
    }

    /// <summary>Copies the shadows into the parameters of <paramref name="module"/> with the same names.</summary>
    /// <exception cref="ArgumentException">The module lacks a shadowed parameter.</exception>
    public void CopyTo(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var (name, shadow) in _shadows)
        {
            if (!parameters.TryGetValue(name, out var p))
            {
                throw new ArgumentException($"The module has no parameter '{name}' to copy the average into.", nameof(module));
            }
            p.copy_(shadow);
        }
    }

    /// <summary>
    /// Swaps the averaged weights into <paramref name="module"/> until the returned object is disposed, which restores
    /// the training weights bit for bit (the <c>store</c> / <c>copy_to</c> / <c>restore</c> pattern).
    /// </summary>
    /// <exception cref="ArgumentException">The module lacks a shadowed parameter.</exception>
    public IDisposable Apply(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var saved = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using (no_grad())
            {
                foreach (var (name, p) in module.named_parameters().Where(p => _shadows.ContainsKey(p.name)))
                {
                    saved[name] = CopyOf(p);
                }
            }
            CopyTo(module);
        }
        catch
        {
            foreach (var t in saved.Values)
            {
                t.Dispose();
            }
            throw;
        }
        return new Restore(module, saved);
    }

    /// <summary>Sets the shadows and the update count (resuming from a checkpoint).</summary>
    /// <exception cref="ArgumentException">A shadow is missing or has another shape.</exception>
    internal void Load(IReadOnlyDictionary<string, Tensor> shadows, long updates)
    {
        using var _ = no_grad();
        foreach (var (name, shadow) in _shadows)
        {
            if (!shadows.TryGetValue(name, out var value) || !value.shape.SequenceEqual(shadow.shape))
            {
                throw new ArgumentException($"Expected an averaged '{name}' of shape {Internal.Shapes.Format(shadow)}.", nameof(shadows));
            }
            shadow.copy_(value);
        }
        Updates = updates;
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "EMA(decay={0:R}, warmup={1}, updates={2})", Decay, Warmup, Updates);

    /// <summary>Disposes the shadows.</summary>
    public void Dispose()
    {
        foreach (var t in _shadows.Values)
        {
            t.Dispose();
        }
        _shadows.Clear();
    }

    /// <summary>A detached copy that outlives any dispose scope; the intermediate detached handle is disposed.</summary>
    internal static Tensor CopyOf(Tensor value)
    {
        using var detached = value.detach();
        return detached.clone().DetachFromDisposeScope();
    }

    private Tensor Shadow(string name) =>
        _shadows.TryGetValue(name, out var s) ? s : throw new ArgumentException($"No average is kept for '{name}'.", nameof(name));

    private sealed class Restore(nn.Module module, Dictionary<string, Tensor> saved) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done)
            {
                return;
            }
            _done = true;
            using var _ = no_grad();
            foreach (var (name, p) in module.named_parameters())
            {
                if (saved.Remove(name, out var value))
                {
                    p.copy_(value);
                    value.Dispose();
                }
            }
        }
    }
}
