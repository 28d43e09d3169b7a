namespace VideoDiffusion.Schedules;

/// <summary>Parameters of a <see cref="SamplingPlan"/>; each applies only to the spacings named in its documentation.</summary>
public sealed record SamplingPlanOptions
{
    /// <summary>Offset added to every timestep of <see cref="TimestepSpacing.Leading"/> (diffusers <c>steps_offset</c>; Stable Diffusion uses 1). <value>The default value is 0.</value></summary>
    public int StepsOffset { get; init; }

    /// <summary>Exponent rho of <see cref="TimestepSpacing.Karras"/>. <value>The default value is 7.</value></summary>
    public double Rho { get; init; } = 7.0;

    /// <summary>Smallest VE sigma (<c>sigma/alpha</c>) for <see cref="TimestepSpacing.Karras"/> and <see cref="TimestepSpacing.Exponential"/>; null = the schedule's value at t = 0. <value>The default value is null.</value></summary>
    public double? SigmaMin { get; init; }

    /// <summary>Largest VE sigma for <see cref="TimestepSpacing.Karras"/> and <see cref="TimestepSpacing.Exponential"/>; null = the schedule's value at its last timestep. <value>The default value is null.</value></summary>
    public double? SigmaMax { get; init; }

    /// <summary>Shift k of <see cref="TimestepSpacing.FlowShift"/>. <value>The default value is 3 (Stable Diffusion 3).</value></summary>
    public double FlowShift { get; init; } = 3.0;

    /// <summary>
    /// Whether the plan ends at clean data (<c>alpha = 1, sigma = 0</c>), as k-diffusion's appended zero sigma and
    /// diffusers' <c>set_alpha_to_one</c> do; otherwise it ends at the schedule's timestep 0. <value>The default value is true.</value>
    /// </summary>
    public bool EndAtData { get; init; } = true;
}
