using TorchSharp;
using TorchSharp.Modules;
using VideoDiffusion.Internal;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Predictors;

/// <summary>
/// A 3D U-Net with factorized space-time attention (Ho et al. 2022, <i>Video Diffusion Models</i>, §3): a DDPM U-Net
/// whose 2D layers run on every frame, with a residual temporal convolution after every spatial convolution
/// (Make-A-Video) and temporal attention with a relative position bias after every ResNet block; down- and
/// upsampling are spatial only. Conditioning: class labels (with a null class for classifier-free guidance),
/// context embeddings through cross-attention, and known frames plus their mask concatenated to the input.
/// </summary>
/// <remarks>
/// <para>
/// Every temporal layer (temporal convolutions and the output projection of temporal attention) and the final
/// convolution start at zero (unless <see cref="SpaceTimeUNetOptions.TemporalInitScale"/> says otherwise), so with
/// per-frame norm statistics (<see cref="NormStatistics.PerFrame"/>) a fresh network maps each frame exactly as it
/// would map that frame alone, and a network inflated from image weights starts from the image model. With the default
/// <see cref="NormStatistics.PerClip"/> every GroupNorm takes its statistics over all frames of a clip.
/// <see cref="Conditioning.IndependentFrames"/> skips all temporal layers (joint image-video training) and takes
/// GroupNorm statistics per frame, so no layer mixes frames.
/// </para>
/// <para>
/// State-dict keys (the checkpoint format) are documented in <c>docs/predictors.md</c>; every key of a temporal layer
/// contains <c>temporal</c>, no other key does, and attention projections are <see cref="Linear"/> modules named
/// <c>to_q</c>, <c>to_k</c>, <c>to_v</c>, <c>to_out</c>. The forward pass works in float32 and float64, under
/// <c>torch.inference_mode()</c>, on any device; its result has the dtype and device of the input, which must match
/// the network's (move it with <c>.to(...)</c>).
/// </para>
/// </remarks>
public sealed class SpaceTimeUNet : nn.Module<Tensor, Tensor, Conditioning?, Tensor>, INoisePredictor
{
    private readonly TimestepEmbedding time_embedding;
    private readonly Embedding? class_embedding;
    private readonly Conv2d conv_in;
    private readonly ModuleList<DownBlock> down_blocks = new();
    private readonly MidBlock mid_block;
    private readonly ModuleList<UpBlock> up_blocks = new();
    private readonly GroupNorm norm_out;
    private readonly Conv2d conv_out;

    /// <summary>Builds the network on the CPU in the default dtype (move it with <c>.to(...)</c>).</summary>
    /// <param name="options">The definition; validated here.</param>
    /// <param name="generator">Source of the initial weights (PyTorch's default distributions, drawn in a fixed order, so
    /// a seeded CPU generator fixes the network); null = libtorch's default generator.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are inconsistent (see <see cref="SpaceTimeUNetOptions.Validate"/>).</exception>
    /// <exception cref="InvalidOperationException">No TorchSharp backend can be loaded.</exception>
    public SpaceTimeUNet(SpaceTimeUNetOptions options, Generator? generator = null) : base(nameof(SpaceTimeUNet))
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Validate();
        TorchBackend.EnsureAvailable();

        var top = options.ChannelsAt(0);
        time_embedding = new TimestepEmbedding(options.BaseChannels, options.EmbeddingChannels);
        if (options.NumClasses > 0)
        {
            class_embedding = nn.Embedding(options.NumClasses + 1, options.EmbeddingChannels);
        }
        conv_in = nn.Conv2d(options.InputConvChannels, top, 3, padding: 1);

        var skips = new Stack<int>([top]);
        var channels = top;
        for (var level = 0; level < options.Levels; level++)
        {
            down_blocks.Add(new DownBlock(level, channels, options));
            channels = options.ChannelsAt(level);
            var pushes = options.ResBlocksPerLevel + (level < options.Levels - 1 ? 1 : 0);
            for (var j = 0; j < pushes; j++)
            {
                skips.Push(channels);
            }
        }
        mid_block = new MidBlock(options);
        for (var level = options.Levels - 1; level >= 0; level--)
        {
            var popped = Enumerable.Range(0, options.ResBlocksPerLevel + 1).Select(_ => skips.Pop()).ToArray();
            up_blocks.Add(new UpBlock(level, channels, popped, options));
            channels = options.ChannelsAt(level);
        }

        norm_out = nn.GroupNorm(options.NormGroups, top);
        conv_out = nn.Conv2d(top, options.OutChannels, 3, padding: 1);
        RegisterComponents();
        SpaceTimeUNetInitializer.Initialize(this, generator, options.TemporalInitScale);

        var parameters = named_parameters().ToList();
        ParameterCount = parameters.Sum(p => p.parameter.numel());
        TemporalParameterCount = parameters.Where(p => IsTemporal(p.name)).Sum(p => p.parameter.numel());
    }

    /// <summary>The definition the network was built from.</summary>
    public SpaceTimeUNetOptions Options { get; }

    /// <inheritdoc />
    public int InChannels => Options.InChannels;

    /// <inheritdoc />
    public int OutChannels => Options.OutChannels;

    /// <inheritdoc />
    public int SpatialMultiple => Options.SpatialMultiple;

    /// <summary>Number of real classes K (0 = unconditional); labels range over <c>[0, K]</c>.</summary>
    public int NumClasses => Options.NumClasses;

    /// <summary>
    /// The label of the null class, <c>= NumClasses</c>: the unconditional branch of classifier-free guidance, and what a
    /// class-conditional network uses when <see cref="Conditioning.ClassLabels"/> is null.
    /// </summary>
    public int NullClassLabel => Options.NumClasses;

    /// <summary>Number of scalar parameters.</summary>
    public long ParameterCount { get; }

    /// <summary>Number of scalar parameters of temporal layers (keys containing <c>temporal</c>).</summary>
    public long TemporalParameterCount { get; }

    /// <summary>
    /// Generator of the dropout masks in training mode (on the device of the activations); null = libtorch's default
    /// generator. Unused when <see cref="SpaceTimeUNetOptions.Dropout"/> is 0. <value>The default value is null.</value>
    /// </summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>The substring every parameter name of a temporal layer contains, and no other name does.</summary>
    internal const string TemporalKeyMarker = "temporal";

    /// <summary>Whether a state-dict key belongs to a temporal layer (the naming contract of fine-tuning helpers).</summary>
    /// <param name="stateDictKey">A key of <c>state_dict()</c> or <c>named_parameters()</c>.</param>
    public static bool IsTemporal(string stateDictKey)
    {
        ArgumentNullException.ThrowIfNull(stateDictKey);
        return stateDictKey.Contains(TemporalKeyMarker, StringComparison.Ordinal);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">Wrong rank, channel count, H or W not a multiple of <see cref="SpatialMultiple"/>,
    /// dtype or device different from the network's, timesteps not <c>[B]</c>, labels not <c>[B]</c> integers, context not
    /// <c>[B, L, ContextDim]</c>, frames not shaped like <paramref name="xt"/>, mask not <c>[B, T]</c>, or a conditioning part
    /// the network was not built for.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A class label outside <c>[0, NumClasses]</c>.</exception>
    public Tensor Predict(Tensor xt, Tensor timesteps, Conditioning? conditioning = null) => call(xt, timesteps, conditioning);

    /// <summary>The forward pass behind <see cref="Predict"/> (same contract), so module hooks see every call.</summary>
    public override Tensor forward(Tensor xt, Tensor timesteps, Conditioning? conditioning)
    {
        var c = conditioning ?? Conditioning.None;
        SpaceTimeUNetInputs.Check(Options, conv_in.weight!.dtype, conv_in.weight.device, xt, timesteps, c);

        using var scope = NewDisposeScope();
        var (b, t) = (xt.shape[0], xt.shape[2]);
        var (dtype, device) = (xt.dtype, xt.device);
        var emb = time_embedding.call(timesteps.to(dtype, device));
        if (class_embedding is not null)
        {
            var labels = c.ClassLabels?.to(ScalarType.Int64, device) ?? full([b], (long)NullClassLabel, ScalarType.Int64, device);
            emb = emb.add(class_embedding.call(labels));
        }
        var temporalAttention = Options.TemporalAttention && !c.IndependentFrames;
        var step = new SpaceTimeStep
        {
            Frames = t,
            Batch = b,
            Embedding = F.silu(emb),
            Context = c.Context?.to(dtype, device),
            IndependentFrames = c.IndependentFrames,
            ClipStatistics = Options.NormStatistics == NormStatistics.PerClip && !c.IndependentFrames && t > 1,
            RelativePositions = temporalAttention
                ? RelativePositionBuckets.Table(t, Options.RelativePositionBuckets, Options.RelativePositionMaxDistance, device)
                : null,
            DropoutGenerator = DropoutGenerator,
        };

        var h = conv_in.call(SpaceTimeLayout.ToFrames(Input(xt, c)));
        var skips = new Stack<Tensor>([h]);
        foreach (var down in down_blocks)
        {
            h = down.Forward(h, step, skips);
        }
        h = mid_block.call(h, step);
        foreach (var up in up_blocks)
        {
            h = up.Forward(h, step, skips);
        }
        // Through ExactConvolution: oneDNN's input gradient for the few output channels is wrong on some CPUs.
        h = ExactConvolution.Convolve(F.silu(SpaceTimeNorm.Apply(norm_out, Options.NormGroups, h, step)), conv_out.weight!, conv_out.bias, [1, 1]);
        return SpaceTimeLayout.ToVideos(h, b).MoveToOuterDisposeScope();
    }

    /// <summary><c>x_t</c>, or <c>[x_t, frames * mask, mask]</c> on channels when the network concatenates known frames.</summary>
    private Tensor Input(Tensor xt, Conditioning c)
    {
        if (!Options.ConcatConditioningFrames)
        {
            return xt;
        }
        var (b, t, height, width) = (xt.shape[0], xt.shape[2], xt.shape[3], xt.shape[4]);
        if (c.Frames is null)
        {
            // Nothing known: the unconditional input of a frame-conditioned network.
            return cat([xt, zeros_like(xt), zeros([b, 1, t, height, width], xt.dtype, xt.device)], 1);
        }
        var mask = c.FrameMask!.to(xt.dtype, xt.device).view(b, 1, t, 1, 1);
        var known = c.Frames.to(xt.dtype, xt.device).mul(mask);
        return cat([xt, known, mask.expand(b, 1, t, height, width)], 1);
    }
}
