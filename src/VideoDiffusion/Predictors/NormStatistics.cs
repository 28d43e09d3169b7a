namespace VideoDiffusion.Predictors;

/// <summary>Over which pixels the GroupNorm layers of a <see cref="SpaceTimeUNet"/> take their statistics.</summary>
public enum NormStatistics
{
    /// <summary>
    /// Each frame is normalised alone, over its H x W pixels and the channels of a group: the network's norms see no
    /// other frame (the behaviour of an image U-Net run on frames, and of networks saved before this option).
    /// </summary>
    PerFrame,

    /// <summary>
    /// The frames of a clip share one mean and variance per group, taken over T x H x W pixels and the group's channels
    /// (video-diffusion-pytorch's 3D GroupNorm): every norm carries clip-wide information to every frame.
    /// </summary>
    PerClip,
}
