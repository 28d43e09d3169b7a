using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Residual joint space-time self-attention over all positions of all frames of one clip (full 3D attention, as in
/// CogVideoX, Yang et al. 2024): <c>y = x + to_out(softmax(q k^T / sqrt(d)) v)</c> over the <c>T*H*W</c> tokens of a
/// video. Where factorized temporal attention links a pixel only with the same pixel in other frames, this layer links
/// an object in one frame with the same object wherever it has moved in every other frame. <c>to_out</c> starts at
/// zero, so a fresh layer is the identity.
/// </summary>
/// <remarks>
/// State-dict keys: <c>norm</c>, <c>to_q</c>, <c>to_k</c>, <c>to_v</c>, <c>to_out</c>. No position bias: the order of
/// frames is known to the temporal convolutions and temporal attention around it, and the positions within a frame to
/// the convolutions. Cost and memory grow with <c>(T H W)^2</c> per video and head.
/// </remarks>
internal sealed class JointAttention : MultiHeadAttention
{
    /// <summary>Creates the layer for <paramref name="channels"/> channels in <paramref name="heads"/> heads.</summary>
    public JointAttention(int channels, int heads)
        : base(nameof(JointAttention), channels, channels, heads, zeroOutput: true)
    {
        RegisterComponents();
    }

    /// <summary>Applies the layer to frame tokens <c>[T*B, H*W, C]</c> (frame n of video n % B); returns fresh tokens of the same shape.</summary>
    public override Tensor forward(Tensor tokens, SpaceTimeStep step)
    {
        using var scope = NewDisposeScope();
        var (n, positions, channels) = (tokens.shape[0], tokens.shape[1], tokens.shape[2]);
        var (frames, batch) = (step.Frames, step.Batch);
        // [T*B, HW, C] -> [T, B, HW, C] -> [B, T*HW, C]: the tokens of one video in one sequence (one copy).
        var clips = tokens.view(frames, batch, positions, channels).transpose(0, 1).reshape(batch, frames * positions, channels);
        var normed = Normalize(clips);
        var q = SplitHeads(Query(normed)).transpose(1, 2);
        var k = SplitHeads(Key(normed)).transpose(1, 2);
        var v = SplitHeads(Value(normed)).transpose(1, 2);
        var attended = Output(Attend(q, k, v));                    // [B, T*HW, C]
        var back = attended.view(batch, frames, positions, channels).transpose(0, 1).reshape(n, positions, channels);
        return tokens.add(back).MoveToOuterDisposeScope();
    }
}
