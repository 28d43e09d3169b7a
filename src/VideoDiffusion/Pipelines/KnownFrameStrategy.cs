namespace VideoDiffusion.Pipelines;

/// <summary>How the pipeline makes generated clips agree with given frames (image-to-video, interpolation, extension).</summary>
public enum KnownFrameStrategy
{
    /// <summary>
    /// <see cref="Conditioning"/> when the network was built to take conditioning frames
    /// (<c>SpaceTimeUNetOptions.ConcatConditioningFrames</c>), otherwise <see cref="ReconstructionGuidance"/>.
    /// </summary>
    Auto,

    /// <summary>Pass the frames and their mask to the network, which was trained to use them.</summary>
    Conditioning,

    /// <summary>Replace the known frames of every denoised estimate by the given frames (Ho et al. 2022, section 3.1).</summary>
    Replacement,

    /// <summary>Reconstruction guidance (Ho et al. 2022, eq. 7): steer the unknown frames by the gradient of the known frames' error.</summary>
    ReconstructionGuidance,
}
