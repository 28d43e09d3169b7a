using System.Globalization;
using static TorchSharp.torch;

namespace VideoDiffusion.Losses;

/// <summary>
/// The per-element penalty of a diffusion loss, a function of the difference <c>d = prediction - target</c>.
/// Use the ready-made <see cref="Mse"/> and <see cref="L1"/> or the factories <see cref="Huber"/> and
/// <see cref="PseudoHuber"/>. Instances are immutable.
/// </summary>
public abstract class ElementLoss
{
    private protected ElementLoss()
    {
    }

    /// <summary>Squared error <c>d^2</c> (the "simple" loss of Ho et al. 2020).</summary>
    public static ElementLoss Mse { get; } = new MseLoss();

    /// <summary>Absolute error <c>|d|</c>.</summary>
    public static ElementLoss L1 { get; } = new L1Loss();

    /// <summary>
    /// Huber loss (Huber 1964), as PyTorch's <c>huber_loss</c>: <c>0.5 d^2</c> for <c>|d| &lt;= delta</c>,
    /// <c>delta (|d| - 0.5 delta)</c> beyond.
    /// </summary>
    /// <param name="delta">The threshold between the quadratic and the linear part, &gt; 0. The default is 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delta"/> is not a finite positive number.</exception>
    public static ElementLoss Huber(double delta = 1.0) => new HuberLoss(LossArguments.Positive(delta, nameof(delta)));

    /// <summary>
    /// Pseudo-Huber loss <c>sqrt(d^2 + c^2) - c</c> (Charbonnier 1994; used for diffusion and consistency training by
    /// Song &amp; Dhariwal 2023, who take <c>c = 0.00054 sqrt(dimension)</c>): quadratic near 0, linear far away, smooth everywhere.
    /// </summary>
    /// <param name="c">The scale c &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="c"/> is not a finite positive number.</exception>
    public static ElementLoss PseudoHuber(double c) => new PseudoHuberLoss(LossArguments.Positive(c, nameof(c)));

    /// <summary>The element losses of <paramref name="prediction"/> against <paramref name="target"/>, same shape; differentiable.</summary>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public Tensor Compute(Tensor prediction, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        Internal.Shapes.RequireSameShape(prediction, target, nameof(prediction), nameof(target));
        using var scope = NewDisposeScope();
        return Core(prediction - target).MoveToOuterDisposeScope();
    }

    /// <summary>A short description with every parameter.</summary>
    public abstract string Description { get; }

    /// <inheritdoc />
    public override string ToString() => Description;

    /// <summary>The penalty of a difference; runs inside a dispose scope.</summary>
    private protected abstract Tensor Core(Tensor d);

    private sealed class MseLoss : ElementLoss
    {
        public override string Description => "MSE";

        private protected override Tensor Core(Tensor d) => d.square();
    }

    private sealed class L1Loss : ElementLoss
    {
        public override string Description => "L1";

        private protected override Tensor Core(Tensor d) => d.abs();
    }

    private sealed class HuberLoss(double delta) : ElementLoss
    {
        public override string Description => string.Format(CultureInfo.InvariantCulture, "Huber(delta={0:R})", delta);

        private protected override Tensor Core(Tensor d)
        {
            var a = d.abs();
            return where(a <= delta, 0.5 * d.square(), delta * (a - 0.5 * delta));
        }
    }

    private sealed class PseudoHuberLoss(double c) : ElementLoss
    {
        public override string Description => string.Format(CultureInfo.InvariantCulture, "PseudoHuber(c={0:R})", c);

        private protected override Tensor Core(Tensor d) => (d.square() + c * c).sqrt() - c;
    }
}
