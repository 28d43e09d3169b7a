using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// The state of one sampling run: the plan, the index of the next step and the history a multistep solver needs
/// (previous x0 estimates with their levels). Samplers hold no per-run state, so one sampler can serve many runs,
/// on many threads; a state object serves one run on one thread. Create it with <see cref="ISampler.Begin"/>,
/// drive it with <see cref="ISampler.Step"/>, and dispose it to release the history tensors.
/// </summary>
public sealed class SamplerState : IDisposable
{
    private readonly NoiseLevel[] _levels;
    private readonly Tensor?[] _estimates;
    private int _count;
    private bool _disposed;

    internal SamplerState(ISampler sampler, SamplingPlan plan, int historyLength)
    {
        Sampler = sampler;
        Plan = plan;
        _levels = new NoiseLevel[Math.Max(1, historyLength)];
        _estimates = new Tensor?[_levels.Length];
    }

    /// <summary>The sampler that began this run; only it may step the state.</summary>
    public ISampler Sampler { get; }

    /// <summary>The plan of the run.</summary>
    public SamplingPlan Plan { get; }

    /// <summary>Index of the next step, 0 … <c>Plan.Steps</c>; the current sample is at level <c>Plan[StepIndex]</c>.</summary>
    public int StepIndex { get; private set; }

    /// <summary>Whether every step of the plan has been taken.</summary>
    public bool IsComplete => StepIndex >= Plan.Steps;

    /// <summary>The level of the current sample, <c>Plan[StepIndex]</c>.</summary>
    public NoiseLevel Level => Plan[StepIndex];

    /// <summary>
    /// The x0 estimate of the latest step (owned by the state: valid until the next step or <see cref="Dispose"/>), or
    /// null before the first step.
    /// </summary>
    public Tensor? Denoised => _count > 0 ? _estimates[0] : null;

    /// <summary>Predictor order used by the latest step (UniPC's corrector needs it); 0 before the first step.</summary>
    internal int LastOrder { get; set; }

    /// <summary>The k-th newest estimate (0 = the latest) and its level.</summary>
    internal (NoiseLevel Level, Tensor X0) History(int k)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(k, _count);
        return (_levels[k], _estimates[k]!);
    }

    /// <summary>
    /// How many estimates before the newest one have a finite lambda and can enter a multistep formula (an estimate made
    /// at zero SNR, lambda = -inf, cannot).
    /// </summary>
    internal int UsablePrevious()
    {
        var n = 0;
        for (var k = 1; k < _count && double.IsFinite(_levels[k].Lambda); k++)
        {
            n++;
        }
        return n;
    }

    /// <summary>
    /// Stores <paramref name="x0"/> (made at <paramref name="level"/>) as the newest estimate. The state takes ownership:
    /// the tensor is detached from its dispose scope and disposed when it falls out of the history.
    /// </summary>
    internal void Push(NoiseLevel level, Tensor x0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        x0.DetachFromDisposeScope();
        var last = _estimates.Length - 1;
        if (_count == _estimates.Length)
        {
            _estimates[last]!.Dispose();
            _count--;
        }
        for (var k = _count; k > 0; k--)
        {
            _estimates[k] = _estimates[k - 1];
            _levels[k] = _levels[k - 1];
        }
        _estimates[0] = x0;
        _levels[0] = level;
        _count++;
    }

    /// <summary>Moves to the next step.</summary>
    internal void Advance() => StepIndex++;

    /// <summary>Throws when the state cannot take another step.</summary>
    internal void RequireStep()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsComplete)
        {
            throw new InvalidOperationException($"The run is complete: all {Plan.Steps} steps of the plan have been taken.");
        }
    }

    /// <summary>Disposes the history tensors.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        for (var k = 0; k < _count; k++)
        {
            _estimates[k]!.Dispose();
            _estimates[k] = null;
        }
        _count = 0;
    }
}
