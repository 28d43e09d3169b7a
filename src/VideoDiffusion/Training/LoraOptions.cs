namespace VideoDiffusion.Training;

/// <summary>The definition of LoRA adapters (see <see cref="LoraAdapters"/>).</summary>
public sealed record LoraOptions
{
    /// <summary>Rank r of each update <c>B A</c>, &gt;= 1. <value>The default value is 4.</value></summary>
    public int Rank { get; init; } = 4;

    /// <summary>Scaling alpha: the update is multiplied by <c>alpha / r</c>, &gt; 0. <value>The default value is 4.</value></summary>
    public double Alpha { get; init; } = 4;

    /// <summary>Names of the linear layers to adapt (last segment of the module path). <value>The default value is the attention projections to_q, to_k, to_v and to_out.</value></summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["to_q", "to_k", "to_v", "to_out"];

    /// <summary>Seed of the random initialisation of the A matrices. <value>The default value is 0.</value></summary>
    public long Seed { get; init; }
}
