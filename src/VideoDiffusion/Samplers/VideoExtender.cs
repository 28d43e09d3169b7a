using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Generates videos longer than the model's clip length by extending a clip chunk by chunk (Ho et al. 2022, "Video
/// Diffusion Models", section 3.1, autoregressive extension): every new chunk of <see cref="ChunkFrames"/> frames is
/// sampled with its first <see cref="OverlapFrames"/> frames known — the last frames made so far — and contributes
/// its other frames. How a chunk is conditioned on the known frames is the caller's choice of denoiser:
/// <see cref="ReplacementConditioning"/>, <see cref="ReconstructionGuidance"/>, or a predictor trained with frame
/// conditioning (<see cref="PredictorDenoiser.WithConditioning"/>).
/// </summary>
public sealed class VideoExtender
{
    /// <summary>Creates the extender.</summary>
    /// <param name="sampler">The sampler of each chunk.</param>
    /// <param name="plan">The plan of each chunk.</param>
    /// <param name="denoiserFor">Makes the denoiser of a chunk from its known frames (disposed after the chunk if it is
    /// <see cref="IDisposable"/>; the known frames are disposed by the extender).</param>
    /// <param name="chunkFrames">Frames per chunk, the model's clip length (&gt;= 2).</param>
    /// <param name="overlapFrames">Known frames per chunk, 1 … chunkFrames - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">chunkFrames &lt; 2 or overlapFrames outside 1 … chunkFrames - 1.</exception>
    public VideoExtender(ISampler sampler, SamplingPlan plan, Func<KnownFrames, IDenoiser> denoiserFor, int chunkFrames, int overlapFrames)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(denoiserFor);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkFrames, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(overlapFrames, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(overlapFrames, chunkFrames);
        Sampler = sampler;
        Plan = plan;
        DenoiserFor = denoiserFor;
        ChunkFrames = chunkFrames;
        OverlapFrames = overlapFrames;
    }

    /// <summary>The sampler of each chunk.</summary>
    public ISampler Sampler { get; }

    /// <summary>The plan of each chunk.</summary>
    public SamplingPlan Plan { get; }

    /// <summary>Makes a chunk's denoiser from its known frames.</summary>
    public Func<KnownFrames, IDenoiser> DenoiserFor { get; }

    /// <summary>Frames per chunk.</summary>
    public int ChunkFrames { get; }

    /// <summary>Known frames per chunk.</summary>
    public int OverlapFrames { get; }

    /// <summary>
    /// Extends <paramref name="clip"/> to <paramref name="totalFrames"/> frames. The frames of <paramref name="clip"/>
    /// are copied unchanged to the front of the result. The start noise of each chunk is drawn from the context's
    /// generators (one per clip keeps clips independent of the batch), its known frames noised to the plan's first level.
    /// </summary>
    /// <param name="clip">The clip(s) to continue, <c>[B, C, T0, H, W]</c> with T0 &gt;= OverlapFrames.</param>
    /// <param name="totalFrames">Length of the result, &gt;= T0.</param>
    /// <param name="context">Generators (required), callback (called for every step of every chunk) and cancellation.</param>
    /// <returns>A fresh tensor <c>[B, C, totalFrames, H, W]</c>.</returns>
    /// <exception cref="ArgumentException">clip is not a video batch or is shorter than OverlapFrames; the context has no generators.</exception>
    /// <exception cref="ArgumentOutOfRangeException">totalFrames &lt; T0.</exception>
    public Tensor Extend(Tensor clip, int totalFrames, SamplingContext context)
    {
        Shapes.RequireVideoBatch(clip, nameof(clip));
        ArgumentNullException.ThrowIfNull(context);
        var have = (int)clip.shape[2];
        if (have < OverlapFrames)
        {
            throw new ArgumentException(
                $"Expected a clip [B, C, T, H, W] with T >= {OverlapFrames} (the overlap), got {Shapes.Format(clip)}.", nameof(clip));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(totalFrames, have);
        context.RequireGenerators(clip.shape[0], nameof(context));
        TorchBackend.EnsureAvailable();
        var pieces = new List<Tensor> { clip };
        Tensor? tail = null; // the last OverlapFrames frames made so far, once they are not all in the clip
        try
        {
            while (have < totalFrames)
            {
                var take = Math.Min(ChunkFrames - OverlapFrames, totalFrames - have);
                var known = tail ?? clip.narrow(2, have - OverlapFrames, OverlapFrames);
                var piece = NextChunk(known, context, take);
                pieces.Add(piece);
                using (NewDisposeScope())
                {
                    var joined = cat([known, piece], 2);
                    var next = joined.narrow(2, joined.shape[2] - OverlapFrames, OverlapFrames).contiguous().DetachFromDisposeScope();
                    tail?.Dispose();
                    tail = next;
                }
                have += take;
            }
            return cat(pieces, 2);
        }
        finally
        {
            tail?.Dispose();
            foreach (var piece in pieces.Skip(1))
            {
                piece.Dispose();
            }
        }
    }

    private Tensor NextChunk(Tensor previous, SamplingContext context, int take)
    {
        using var scope = NewDisposeScope();
        using var known = KnownFrames.Prefix(previous, ChunkFrames);
        var shape = known.Frames.shape;
        var start = Plan[0];
        // x_T: sigma_T z everywhere, plus alpha_T x^a on the known frames (a draw of q(x_T^a | x^a)).
        var noise = context.DrawNoise(shape, previous.dtype, previous.device);
        var xT = ForwardProcess.AddNoise(known.Frames, noise, start);
        var denoiser = DenoiserFor(known);
        try
        {
            var chunk = Sampler.Sample(denoiser, xT, Plan, context);
            return chunk.narrow(2, OverlapFrames, take).contiguous().DetachFromDisposeScope();
        }
        finally
        {
            (denoiser as IDisposable)?.Dispose();
        }
    }
}
