namespace VideoDiffusion.Data;

/// <summary>How the axes of a <c>.npy</c> array of clips are laid out.</summary>
public enum NpyVideoLayout
{
    /// <summary><c>[N, T, H, W]</c>: N single-channel clips.</summary>
    NTHW,

    /// <summary><c>[N, T, H, W, C]</c>: N clips with C channels last.</summary>
    NTHWC,

    /// <summary><c>[T, N, H, W]</c>: the canonical Moving-MNIST file (<c>mnist_test_seq.npy</c> is <c>[20, 10000, 64, 64]</c>).</summary>
    TNHW,
}
