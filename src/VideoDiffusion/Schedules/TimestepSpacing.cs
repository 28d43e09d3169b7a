namespace VideoDiffusion.Schedules;

/// <summary>How a <see cref="SamplingPlan"/> places its steps on a schedule (diffusers' <c>timestep_spacing</c>, k-diffusion's sigma functions).</summary>
public enum TimestepSpacing
{
    /// <summary><c>round(linspace(0, T - 1, N))</c>, reversed (diffusers "linspace").</summary>
    Linspace,

    /// <summary><c>arange(N) * (T // N) + StepsOffset</c>, reversed (diffusers "leading"; DDIM paper).</summary>
    Leading,

    /// <summary><c>round(arange(T, 0, -T / N)) - 1</c> (diffusers "trailing"; Lin et al. 2023): always starts at the last training step.</summary>
    Trailing,

    /// <summary>Karras et al. 2022 eq. 5: <c>sigma_i = (sigma_max^(1/rho) + i/(N-1) (sigma_min^(1/rho) - sigma_max^(1/rho)))^rho</c> in VE sigma, rho = 7.</summary>
    Karras,

    /// <summary>VE sigmas uniform in log between sigma_max and sigma_min (k-diffusion <c>get_sigmas_exponential</c>).</summary>
    Exponential,

    /// <summary>
    /// <c>t_i = MaxTimestep * k u_i / (1 + (k - 1) u_i)</c> with <c>u_i = linspace(1, 0, N + 1)[:N]</c> (SD3 / diffusers flow-matching shift k).
    /// </summary>
    FlowShift,
}
