using VideoDiffusion.Diffusion;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// How an error in a parameterization's target maps to an error in x0 and in eps at a level (alpha, sigma). From the
/// conversions of <see cref="Parameterization"/>, an output error <c>e</c> becomes an x0 error <c>(sigma / D) e</c> and an
/// eps error <c>(alpha / D) e</c> with the denominator
/// <list type="bullet">
/// <item>epsilon: <c>D = alpha</c>;</item>
/// <item>x0 (sample): <c>D = sigma</c>;</item>
/// <item>v: <c>D = alpha^2 + sigma^2</c> (1 for variance-preserving schedules);</item>
/// <item>flow velocity: <c>D = alpha + sigma</c> (1 for rectified flow).</item>
/// </list>
/// A weighting defined on the x0 mean squared error is therefore the factor <c>sigma^2 / D^2</c> on the target's mean
/// squared error, one defined on the eps mean squared error the factor <c>alpha^2 / D^2</c>.
/// </summary>
internal static class TargetScale
{
    /// <summary>The squared denominator <c>D^2</c> of the table above.</summary>
    public static Tensor DenominatorSquared(Tensor alpha, Tensor sigma, ParameterizationKind kind) => kind switch
    {
        ParameterizationKind.Epsilon => alpha.square(),
        ParameterizationKind.Sample => sigma.square(),
        ParameterizationKind.V => (alpha.square() + sigma.square()).square(),
        ParameterizationKind.FlowVelocity => (alpha + sigma).square(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown parameterization."),
    };

    /// <summary>
    /// Checks the arguments of <see cref="ILossWeighting.Weights"/> and evaluates <paramref name="weight"/>(alpha^2,
    /// sigma^2, kind) in a dispose scope without gradients.
    /// </summary>
    public static Tensor Weigh(Tensor alpha, Tensor sigma, Parameterization parameterization, Func<Tensor, Tensor, ParameterizationKind, Tensor> weight)
    {
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(sigma);
        ArgumentNullException.ThrowIfNull(parameterization);
        Internal.Shapes.RequireSameShape(alpha, sigma, nameof(alpha), nameof(sigma));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return weight(alpha.square(), sigma.square(), parameterization.Kind).MoveToOuterDisposeScope();
    }
}
