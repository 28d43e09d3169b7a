using System.Globalization;

namespace VideoDiffusion.Training;

/// <summary>
/// A learning-rate schedule as a factor of the base rate: a linear warmup over <see cref="WarmupSteps"/> steps
/// (factor <c>(step + 1) / WarmupSteps</c>), then constant, cosine or linear decay to <see cref="FinalFactor"/> at the
/// last training step. Immutable; ready-made values are <see cref="Constant"/>, <see cref="WarmupCosine"/> and
/// <see cref="WarmupLinear"/>.
/// </summary>
public sealed record LearningRateSchedule
{
    /// <summary>The base rate throughout.</summary>
    public static LearningRateSchedule Constant { get; } = new();

    /// <summary>What follows the warmup. <value>The default value is <see cref="LearningRateScheduleKind.Constant"/>.</value></summary>
    public LearningRateScheduleKind Kind { get; init; } = LearningRateScheduleKind.Constant;

    /// <summary>Steps of linear warmup, &gt;= 0. <value>The default value is 0.</value></summary>
    public int WarmupSteps { get; init; }

    /// <summary>Factor reached at the last step by the decaying kinds, in [0, 1]. <value>The default value is 0.</value></summary>
    public double FinalFactor { get; init; }

    /// <summary>Warmup over <paramref name="warmupSteps"/> steps, then half-cosine decay to <paramref name="finalFactor"/>.</summary>
    public static LearningRateSchedule WarmupCosine(int warmupSteps, double finalFactor = 0.0) =>
        new() { Kind = LearningRateScheduleKind.Cosine, WarmupSteps = warmupSteps, FinalFactor = finalFactor };

    /// <summary>Warmup over <paramref name="warmupSteps"/> steps, then linear decay to <paramref name="finalFactor"/>.</summary>
    public static LearningRateSchedule WarmupLinear(int warmupSteps, double finalFactor = 0.0) =>
        new() { Kind = LearningRateScheduleKind.Linear, WarmupSteps = warmupSteps, FinalFactor = finalFactor };

    /// <summary>The factor of the base rate at 0-based step <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A step count is negative, or an option is out of range.</exception>
    public double Factor(long step, long totalSteps)
    {
        Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        if (step < WarmupSteps)
        {
            return (step + 1.0) / WarmupSteps;
        }
        if (Kind == LearningRateScheduleKind.Constant)
        {
            return 1.0;
        }
        var span = totalSteps - 1 - WarmupSteps;
        var progress = span <= 0 ? 1.0 : Math.Clamp((double)(step - WarmupSteps) / span, 0.0, 1.0);
        var shape = Kind == LearningRateScheduleKind.Cosine ? 0.5 * (1 + Math.Cos(Math.PI * progress)) : 1 - progress;
        return FinalFactor + (1 - FinalFactor) * shape;
    }

    /// <summary>Throws when an option is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">WarmupSteps is negative or FinalFactor outside [0, 1].</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps, nameof(WarmupSteps));
        if (!(FinalFactor >= 0 && FinalFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FinalFactor), FinalFactor, "Expected a factor in [0, 1].");
        }
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown schedule kind.");
        }
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Format(CultureInfo.InvariantCulture, "{0}(warmup={1}, final={2:R})", Kind, WarmupSteps, FinalFactor);
}
