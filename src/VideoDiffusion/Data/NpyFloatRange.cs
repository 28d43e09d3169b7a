namespace VideoDiffusion.Data;

/// <summary>The value range of a float array of clips.</summary>
public enum NpyFloatRange
{
    /// <summary>Values in [0, 1], mapped to [-1, 1].</summary>
    ZeroToOne,

    /// <summary>Values already in model space [-1, 1].</summary>
    MinusOneToOne,
}
