namespace VideoDiffusion.Diffusion;

/// <summary>What a network is trained to output.</summary>
public enum ParameterizationKind
{
    /// <summary>The noise eps (Ho et al. 2020).</summary>
    Epsilon,

    /// <summary>The clean sample x0.</summary>
    Sample,

    /// <summary>The velocity <c>v = alpha * eps - sigma * x0</c> (Salimans &amp; Ho 2022).</summary>
    V,

    /// <summary>The flow velocity <c>u = eps - x0</c> (rectified flow; Liu et al. 2022, Lipman et al. 2023).</summary>
    FlowVelocity,
}
