using TorchSharp.Modules;
using VideoDiffusion.Internal;
using VideoDiffusion.Predictors;
using static TorchSharp.torch.nn;

namespace VideoDiffusion.Tests.Training;

/// <summary>
/// A small video noise predictor with the naming conventions of SpaceTimeUNet: spatial conv (1, 3, 3), a temporal conv
/// (3, 1, 1) with "temporal" in its name, spatial self-attention whose projections are Linear modules named to_q, to_k,
/// to_v and to_out (invoked through call, so hooks run), a timestep embedding and a class embedding with a null class.
/// Small enough that the training tests run in seconds; the real network is tested end to end elsewhere.
/// </summary>
internal sealed class StandInPredictor : Module<Tensor, Tensor>, INoisePredictor
{
    private readonly Conv3d spatial_in;
    private readonly Conv3d temporal_conv;
    private readonly Linear time_proj;
    private readonly Embedding class_emb;
    private readonly Attention attn;
    private readonly Conv3d spatial_out;
    private readonly int _numClasses;
    private readonly int _hidden;

    public StandInPredictor(int channels = 3, int hidden = 8, int numClasses = 2, long seed = 0) : base(nameof(StandInPredictor))
    {
        // No dispose scope here: TorchSharp's native modules (Embedding) lose their parameters when built inside one.
        manual_seed(seed); // module initialisers draw from the global generator; seed it for reproducible tests
        _numClasses = numClasses;
        _hidden = hidden;
        InChannels = channels;
        spatial_in = Conv3d(channels, hidden, (1, 3, 3), padding: (0, 1, 1));
        temporal_conv = Conv3d(hidden, hidden, (3, 1, 1), padding: (1, 0, 0));
        time_proj = Linear(8, hidden);
        class_emb = Embedding(numClasses + 1, hidden);
        attn = new Attention(hidden);
        spatial_out = Conv3d(hidden, channels, (1, 3, 3), padding: (0, 1, 1));
        RegisterComponents();
    }

    public int InChannels { get; }

    public int OutChannels => InChannels;

    public int SpatialMultiple => 1;

    /// <summary>Conditioning seen by the last Predict call (labels copied to the host).</summary>
    public (long[]? Labels, bool IndependentFrames) LastConditioning { get; private set; }

    public Tensor Predict(Tensor xt, Tensor timesteps, Conditioning? conditioning = null)
    {
        Shapes.RequireVideoBatch(xt, nameof(xt));
        conditioning ??= Conditioning.None;
        using var scope = NewDisposeScope();
        LastConditioning = (conditioning.ClassLabels?.cpu().data<long>().ToArray(), conditioning.IndependentFrames);
        var h = functional.silu(spatial_in.call(xt));
        var freqs = arange(4, dtype: xt.dtype, device: xt.device).exp();
        var angles = timesteps.to(xt.dtype).unsqueeze(1) / 1000.0 * freqs;
        var emb = time_proj.call(cat([angles.sin(), angles.cos()], 1));
        if (conditioning.ClassLabels is { } labels)
        {
            emb = emb + class_emb.call(labels);
        }
        h = h + emb.reshape(emb.shape[0], _hidden, 1, 1, 1);
        if (!conditioning.IndependentFrames)
        {
            h = h + ExactConvolution.Convolve(h, temporal_conv.weight!, temporal_conv.bias, [1, 0, 0]);
        }
        h = h + attn.call(h);
        // Few-channel convolutions through ExactConvolution: oneDNN's input gradient for them is wrong on some CPUs.
        return ExactConvolution.Convolve(h, spatial_out.weight!, spatial_out.bias, [0, 1, 1]).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input) => Predict(input, zeros(input.shape[0]));

    /// <summary>Self-attention over the pixels of each frame.</summary>
    private sealed class Attention : Module<Tensor, Tensor>
    {
        private readonly Linear to_q;
        private readonly Linear to_k;
        private readonly Linear to_v;
        private readonly Linear to_out;

        public Attention(int dim) : base(nameof(Attention))
        {
            to_q = Linear(dim, dim, hasBias: false);
            to_k = Linear(dim, dim, hasBias: false);
            to_v = Linear(dim, dim, hasBias: false);
            to_out = Linear(dim, dim);
            RegisterComponents();
        }

        public override Tensor forward(Tensor h)
        {
            var (b, c, t, hh, w) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3], h.shape[4]);
            var tokens = h.permute(0, 2, 3, 4, 1).reshape(b * t, hh * w, c);
            var q = to_q.call(tokens);
            var k = to_k.call(tokens);
            var v = to_v.call(tokens);
            var weights = functional.softmax(q.matmul(k.transpose(1, 2)) / Math.Sqrt(c), -1);
            var o = to_out.call(weights.matmul(v));
            return o.reshape(b, t, hh, w, c).permute(0, 4, 1, 2, 3);
        }
    }
}
