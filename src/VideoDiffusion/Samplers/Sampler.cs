using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// The loop every built-in sampler shares: argument checks, one dispose scope and inference mode per step,
/// cancellation, the callback and the ownership of intermediate samples. A derived class writes only its update
/// rule (<see cref="StepCore"/>).
/// </summary>
public abstract class Sampler : ISampler
{
    private protected Sampler()
    {
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract int Order { get; }

    /// <inheritdoc />
    public abstract bool IsDeterministic { get; }

    /// <inheritdoc />
    public virtual int EvaluationsPerStep => 1;

    /// <summary>How many x0 estimates a run keeps (1 for one-step samplers).</summary>
    private protected virtual int HistoryLength => 1;

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The plan evaluates the denoiser at clean data (sigma = 0 before its last level).</exception>
    public SamplerState Begin(SamplingPlan plan)
    {
        RequireNoisyLevels(plan);
        return new SamplerState(this, plan, HistoryLength);
    }

    /// <inheritdoc />
    public Tensor Step(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(state);
        Shapes.RequireVideoBatch(x, nameof(x));
        if (!ReferenceEquals(state.Sampler, this))
        {
            throw new ArgumentException($"The state was begun by {state.Sampler.Name}, not by {Name}.", nameof(state));
        }
        state.RequireStep();
        context ??= NoContext;
        if (!IsDeterministic)
        {
            context.RequireGenerators(x.shape[0], nameof(context));
        }
        context.CancellationToken.ThrowIfCancellationRequested();
        TorchBackend.EnsureAvailable();

        using var scope = NewDisposeScope();
        Tensor next;
        using (inference_mode())
        {
            next = StepCore(denoiser, x, state, context);
            if (context.Callback is { } callback)
            {
                var i = state.StepIndex;
                var replaced = callback(new SamplingProgress(i, state.Plan.Steps, state.Plan[i], state.Plan[i + 1], next, state.Denoised!));
                if (replaced is not null && !ReferenceEquals(replaced, next))
                {
                    if (!replaced.shape.SequenceEqual(next.shape))
                    {
                        throw new InvalidOperationException(
                            $"The sampling callback must return a tensor of the sample's shape {Shapes.Format(next)}, got {Shapes.Format(replaced)}.");
                    }
                    next = replaced;
                }
            }
        }
        state.Advance();
        return next.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public Tensor Sample(IDenoiser denoiser, Tensor xT, SamplingPlan plan, SamplingContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var state = Begin(plan);
        return Iterate(xT, plan.Steps, (x, _) => Step(denoiser, x, state, context));
    }

    /// <summary>
    /// Applies <paramref name="step"/> <paramref name="count"/> (&gt;= 1) times from <paramref name="start"/>, disposing
    /// each intermediate result (never <paramref name="start"/>, which the caller owns), also when a step throws.
    /// </summary>
    internal static Tensor Iterate(Tensor start, int count, Func<Tensor, int, Tensor> step)
    {
        var x = start;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var next = step(x, i);
                if (!ReferenceEquals(x, start))
                {
                    x.Dispose();
                }
                x = next;
            }
        }
        catch when (!ReferenceEquals(x, start))
        {
            x.Dispose();
            throw;
        }
        return x;
    }

    /// <summary>
    /// The update rule: from <paramref name="x"/> at <c>state.Level</c> to the next level of the plan. Runs inside the
    /// step's dispose scope under inference mode; must push its first x0 estimate into the state's history.
    /// </summary>
    private protected abstract Tensor StepCore(IDenoiser denoiser, Tensor x, SamplerState state, SamplingContext context);

    /// <summary>Throws unless every level at which a plan evaluates the denoiser is noisy (sigma &gt; 0).</summary>
    internal static void RequireNoisyLevels(SamplingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        for (var i = 0; i < plan.Steps; i++)
        {
            if (!(plan[i].Sigma > 0))
            {
                throw new ArgumentException(
                    $"Expected a plan whose levels 0 … {plan.Steps - 1} are noisy (sigma > 0), got {plan[i]} at level {i} " +
                    $"({plan.Spacing?.ToString() ?? "explicit timesteps"} on {plan.Schedule.Description}); use Trailing or FlowShift spacing.", nameof(plan));
            }
        }
    }

    /// <summary>Evaluates the denoiser at the state's level and stores the x0 estimate in the history.</summary>
    private protected static Denoised Evaluate(IDenoiser denoiser, Tensor x, SamplerState state)
    {
        var d = denoiser.Denoise(x, state.Level);
        state.Push(state.Level, d.X0);
        return d;
    }

    /// <inheritdoc />
    public override string ToString() => Name;

    private static readonly SamplingContext NoContext = new();
}
