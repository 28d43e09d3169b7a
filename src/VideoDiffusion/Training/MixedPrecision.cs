namespace VideoDiffusion.Training;

/// <summary>
/// Reduced-precision training on CUDA. TorchSharp has no autocast, so the trainer keeps float32 master weights
/// (Micikevicius et al. 2018, "Mixed Precision Training"): the network runs forward and backward in the reduced type,
/// gradients are copied to the float32 masters, and the optimizer, gradient clipping and the EMA work on the masters.
/// Checkpoints hold float32 weights. On the CPU every value is a no-op.
/// </summary>
public enum MixedPrecision
{
    /// <summary>Train in the model's own dtype.</summary>
    None,

    /// <summary>bfloat16 compute (no loss scaling needed).</summary>
    BFloat16,

    /// <summary>float16 compute with dynamic loss scaling (start 2^16, halve and skip on overflow, double after 2000 clean steps).</summary>
    Float16,
}
