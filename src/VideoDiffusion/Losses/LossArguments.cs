namespace VideoDiffusion.Losses;

/// <summary>Range checks of the numeric parameters of losses, weightings and timestep samplers.</summary>
internal static class LossArguments
{
    /// <summary>Requires a finite number &gt; 0.</summary>
    public static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Expected a finite number > 0.");

    /// <summary>Requires a finite number &gt;= 0.</summary>
    public static double NonNegative(double value, string name) =>
        value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Expected a finite number >= 0.");

    /// <summary>Requires a finite number.</summary>
    public static double Finite(double value, string name) =>
        double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Expected a finite number.");
}
