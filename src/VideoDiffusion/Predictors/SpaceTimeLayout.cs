using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// The one memory layout every block of <see cref="SpaceTimeUNet"/> works in, and free views into it.
/// </summary>
/// <remarks>
/// Activations live in memory as <c>[T, B, H, W, C]</c>: time-major, channels-last. One buffer then has three
/// zero-copy views, one per kind of operation, so no block permutes or copies to change what it mixes:
/// <list type="bullet">
/// <item><b>frames</b> <c>[T*B, C, H, W]</c> (channels-last strides): frames folded into the batch for convolutions,
/// GroupNorm and resampling, which libtorch runs natively in channels-last;</item>
/// <item><b>frame tokens</b> <c>[T*B, H*W, C]</c>: spatial attention within each frame;</item>
/// <item><b>time tokens</b> <c>[T, B*H*W, C]</c>: pixels folded into the batch for temporal convolution (contiguous slices
/// along T) and temporal attention (a strided <c>[B*H*W, heads, T, d]</c> view).</item>
/// </list>
/// Frame n of the folded batch is frame <c>n / B</c> of video <c>n % B</c>.
/// </remarks>
internal static class SpaceTimeLayout
{
    /// <summary>Videos <c>[B, C, T, H, W]</c> (any strides) -> frames <c>[T*B, C, H, W]</c> in channels-last memory (one copy).</summary>
    public static Tensor ToFrames(Tensor videos)
    {
        var (b, c, t, h, w) = (videos.shape[0], videos.shape[1], videos.shape[2], videos.shape[3], videos.shape[4]);
        return videos.permute(2, 0, 3, 4, 1).contiguous().view(t * b, h, w, c).permute(0, 3, 1, 2);
    }

    /// <summary>Frames <c>[T*B, C, H, W]</c> -> contiguous videos <c>[B, C, T, H, W]</c> (one copy).</summary>
    public static Tensor ToVideos(Tensor frames, long batch)
    {
        var (n, c, h, w) = (frames.shape[0], frames.shape[1], frames.shape[2], frames.shape[3]);
        return frames.view(n / batch, batch, c, h, w).permute(1, 2, 0, 3, 4).contiguous();
    }

    /// <summary>Frames <c>[N, C, H, W]</c> -> frame tokens <c>[N, H*W, C]</c> (a view when the frames are channels-last).</summary>
    public static Tensor ToFrameTokens(Tensor frames) =>
        frames.permute(0, 2, 3, 1).reshape(frames.shape[0], frames.shape[2] * frames.shape[3], frames.shape[1]);

    /// <summary>Frame tokens <c>[N, H*W, C]</c> (contiguous) -> frames <c>[N, C, H, W]</c> with channels-last strides (a view).</summary>
    public static Tensor FromFrameTokens(Tensor tokens, long height, long width) =>
        tokens.view(tokens.shape[0], height, width, tokens.shape[2]).permute(0, 3, 1, 2);

    /// <summary>Frames <c>[T*B, C, H, W]</c> -> time tokens <c>[T, B*H*W, C]</c> (a view when the frames are channels-last).</summary>
    public static Tensor ToTimeTokens(Tensor frames, long frameCount)
    {
        var (n, c, h, w) = (frames.shape[0], frames.shape[1], frames.shape[2], frames.shape[3]);
        return frames.permute(0, 2, 3, 1).reshape(frameCount, n / frameCount * h * w, c);
    }

    /// <summary>Time tokens <c>[T, B*H*W, C]</c> (contiguous) -> frames <c>[T*B, C, H, W]</c> with channels-last strides (a view).</summary>
    public static Tensor FromTimeTokens(Tensor tokens, long height, long width)
    {
        var (t, p, c) = (tokens.shape[0], tokens.shape[1], tokens.shape[2]);
        return tokens.view(t * (p / (height * width)), height, width, c).permute(0, 3, 1, 2);
    }
}
