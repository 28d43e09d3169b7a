using VideoDiffusion.Diffusion;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// A reverse-process sampler: an update rule that moves a sample from one noise level of a <see cref="SamplingPlan"/>
/// to the next, using only an <see cref="IDenoiser"/>'s <c>(x0_hat, eps_hat)</c>. Samplers are immutable and
/// stateless — a run's state lives in a <see cref="SamplerState"/> — so one instance can serve concurrent runs.
/// </summary>
public interface ISampler
{
    /// <summary>Short name with the options that matter, e.g. <c>DPM-Solver++(2M)</c>.</summary>
    string Name { get; }

    /// <summary>Convergence order of the deterministic update in the number of steps (global error ~ N^-Order).</summary>
    int Order { get; }

    /// <summary>Whether the update draws no noise (then the context needs no generator).</summary>
    bool IsDeterministic { get; }

    /// <summary>Denoiser evaluations per step (2 for Heun, 1 for the others).</summary>
    int EvaluationsPerStep { get; }

    /// <summary>Begins a run over <paramref name="plan"/>; dispose the state when the run ends.</summary>
    SamplerState Begin(SamplingPlan plan);

    /// <summary>
    /// Takes one step: moves <paramref name="x"/> from <c>plan[state.StepIndex]</c> to the next level and advances the
    /// state. Checks the context's cancellation token first, runs in its own dispose scope under inference mode, and
    /// calls the context's callback (which may replace the result).
    /// </summary>
    /// <param name="denoiser">The denoiser.</param>
    /// <param name="x">The current sample <c>[B, C, T, H, W]</c> at <c>state.Level</c>; not modified, owned by the caller.</param>
    /// <param name="state">The run's state from <see cref="Begin"/> of this sampler.</param>
    /// <param name="context">Generators, callback and cancellation; null = none (deterministic samplers only).</param>
    /// <returns>A fresh tensor at level <c>plan[state.StepIndex]</c> (after the step), owned by the caller.</returns>
    /// <exception cref="ArgumentException">x is not a video batch; the state belongs to another sampler; or a stochastic
    /// sampler got a context without one generator, or one per clip.</exception>
    /// <exception cref="InvalidOperationException">The run is complete.</exception>
    /// <exception cref="OperationCanceledException">The context's token was cancelled.</exception>
    Tensor Step(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext? context = null);

    /// <summary>
    /// The default loop: every step of <paramref name="plan"/> from <paramref name="xT"/> (at <c>plan[0]</c>) to the
    /// plan's last level (clean data by default). Holds no tensors between steps but the current sample and the history.
    /// </summary>
    /// <param name="denoiser">The denoiser.</param>
    /// <param name="xT">The start sample <c>[B, C, T, H, W]</c> at <c>plan[0]</c>; not modified, owned by the caller.</param>
    /// <param name="plan">The levels to walk.</param>
    /// <param name="context">Generators, callback and cancellation; null = none (deterministic samplers only).</param>
    /// <returns>A fresh tensor at the plan's last level. Like every tensor made under inference mode it cannot enter an
    /// autograd graph; clone it outside inference mode first if it must (e.g. to train on it).</returns>
    /// <exception cref="ArgumentException">As for <see cref="Step"/>.</exception>
    /// <exception cref="OperationCanceledException">The context's token was cancelled (checked before every step).</exception>
    Tensor Sample(IDenoiser denoiser, Tensor xT, SamplingPlan plan, SamplingContext? context = null);
}
