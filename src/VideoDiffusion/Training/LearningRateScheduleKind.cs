namespace VideoDiffusion.Training;

/// <summary>The shape of a learning-rate schedule after its linear warmup.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>Constant at the base rate.</summary>
    Constant,

    /// <summary>Half-cosine decay from the base rate to <c>FinalFactor</c> times it (Loshchilov &amp; Hutter 2017, without restarts).</summary>
    Cosine,

    /// <summary>Linear decay from the base rate to <c>FinalFactor</c> times it.</summary>
    Linear,
}
