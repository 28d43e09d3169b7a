using System.Text;
using System.Text.Json.Serialization;

namespace VideoDiffusion.Predictors;

/// <summary>
/// The immutable definition of a <see cref="SpaceTimeUNet"/> (Ho et al. 2022, <i>Video Diffusion Models</i>, with
/// Make-A-Video's factorized temporal convolutions). Every property checks its own range when it is set
/// (<see cref="ArgumentOutOfRangeException"/>); <see cref="Validate"/> checks the constraints between properties and runs
/// when the network is built. The record compares by value (lists element by element) and serializes to JSON as is,
/// so checkpoints store it. Ready-made definitions are in <see cref="KnownSpaceTimeUNets"/>.
/// </summary>
public sealed record SpaceTimeUNetOptions
{
    /// <summary>Channels C of the noisy input (3 for RGB). <value>The default value is 3.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int InChannels
    {
        get;
        init => field = Positive(value, nameof(InChannels));
    } = 3;

    /// <summary>Channels of the prediction (equal to <see cref="InChannels"/> for epsilon, x0, v or flow prediction). <value>The default value is 3.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int OutChannels
    {
        get;
        init => field = Positive(value, nameof(OutChannels));
    } = 3;

    /// <summary>Channels of the first level; level i has <c>BaseChannels * ChannelMultipliers[i]</c>. <value>The default value is 64.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int BaseChannels
    {
        get;
        init => field = Positive(value, nameof(BaseChannels));
    } = 64;

    /// <summary>
    /// One multiplier per resolution level, top (full resolution) first; every level after the first halves H and W,
    /// so H and W must be multiples of <c>2^(levels - 1)</c>. <value>The default value is [1, 2, 4].</value>
    /// </summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Empty, or an element less than 1.</exception>
    public IReadOnlyList<int> ChannelMultipliers
    {
        get;
        init => field = PositiveList(value, nameof(ChannelMultipliers), allowEmpty: false);
    } = [1, 2, 4];

    /// <summary>ResNet blocks per level on the way down (the way up has one more per level, as in DDPM). <value>The default value is 2.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int ResBlocksPerLevel
    {
        get;
        init => field = Positive(value, nameof(ResBlocksPerLevel));
    } = 2;

    /// <summary>
    /// Indices of the levels (0 = full resolution) whose ResNet blocks are followed by spatial self-attention and, when
    /// <see cref="ContextDim"/> &gt; 0, cross-attention. The middle block always has both. <value>The default value is [1, 2].</value>
    /// </summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative element (the upper bound is checked by <see cref="Validate"/>).</exception>
    public IReadOnlyList<int> AttentionLevels
    {
        get;
        init => field = NonNegativeDistinctList(value, nameof(AttentionLevels));
    } = [1, 2];

    /// <summary>
    /// Indices of the levels whose attention stacks end with joint space-time self-attention: every position of every
    /// frame attends to every position of every frame of its clip (full 3D attention, as in CogVideoX), so what one frame
    /// shows reaches all others in one layer wherever the object has moved. The factorized temporal attention only links
    /// the same pixel across frames, which a moving object leaves after a frame or two. The middle block has it when the
    /// lowest level is listed. Its cost grows with <c>(T H W)^2</c>, so it belongs at low resolution; its output projection
    /// starts at zero (a temporal layer: <see cref="SpaceTimeUNet.IsTemporal"/>), so adding it to a trained network
    /// changes nothing until it is trained. Skipped under <see cref="Conditioning.IndependentFrames"/>.
    /// <value>The default value is [] (none).</value>
    /// </summary>
    /// <exception cref="ArgumentNullException">Null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative element (the upper bound is checked by <see cref="Validate"/>).</exception>
    public IReadOnlyList<int> JointAttentionLevels
    {
        get;
        init => field = NonNegativeDistinctList(value, nameof(JointAttentionLevels));
    } = [];

    /// <summary>Channels per attention head; a layer with C channels has <c>C / AttentionHeadChannels</c> heads. <value>The default value is 32.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int AttentionHeadChannels
    {
        get;
        init => field = Positive(value, nameof(AttentionHeadChannels));
    } = 32;

    /// <summary>Groups of every GroupNorm (over which pixels statistics are taken: <see cref="NormStatistics"/>). <value>The default value is 32.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int NormGroups
    {
        get;
        init => field = Positive(value, nameof(NormGroups));
    } = 32;

    /// <summary>
    /// Over which pixels every GroupNorm takes its mean and variance: the frames of one clip together
    /// (<see cref="Predictors.NormStatistics.PerClip"/>, as video-diffusion-pytorch does) or each frame alone
    /// (<see cref="Predictors.NormStatistics.PerFrame"/>, as an image U-Net inflated to video does). With
    /// <see cref="Conditioning.IndependentFrames"/> statistics are per frame whatever this says. Both use the same
    /// weights, so the choice can change on a trained network. Per-clip statistics make temporal
    /// coherence appear with less training (docs/quality.md); per-frame statistics keep a fresh network an exact
    /// frame-by-frame copy of an image model (inflation). <value>The default value is
    /// <see cref="Predictors.NormStatistics.PerClip"/>; pipeline folders written before the option existed load as
    /// <see cref="Predictors.NormStatistics.PerFrame"/>, the behaviour they were trained with.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined value.</exception>
    public NormStatistics NormStatistics
    {
        get;
        init
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(NormStatistics), value, "Unknown norm statistics.");
            }
            field = value;
        }
    } = NormStatistics.PerClip;

    /// <summary>
    /// Scale of the initial weights of the temporal layers that feed the residual stream (temporal convolutions,
    /// temporal attention output projections): 0 starts them at zero, so a fresh network maps every frame as it would
    /// map that frame alone (what inflating an image model needs); s &gt; 0 draws them from
    /// <c>U(-s/sqrt(fan_in), s/sqrt(fan_in))</c>, PyTorch's default range times s. Relative position biases start at
    /// zero either way. Only the initialisation reads it. <value>The default value is 0.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, above 1 or not finite.</exception>
    public double TemporalInitScale
    {
        get;
        init
        {
            if (!(value >= 0.0 && value <= 1.0))
            {
                throw new ArgumentOutOfRangeException(nameof(TemporalInitScale), value, "Expected a scale in [0, 1].");
            }
            field = value;
        }
    }

    /// <summary>
    /// Whether every spatial convolution of a ResNet block is followed by a residual temporal convolution, kernel
    /// (3, 1, 1), zero-initialised (Make-A-Video's pseudo-3D convolution). <value>The default value is true.</value>
    /// </summary>
    public bool TemporalConvolution { get; init; } = true;

    /// <summary>
    /// Whether every ResNet block (all levels and the middle) is followed by temporal self-attention along the frames
    /// at each pixel, with a learned relative position bias; its output projection is zero-initialised.
    /// <value>The default value is true.</value>
    /// </summary>
    public bool TemporalAttention { get; init; } = true;

    /// <summary>
    /// Buckets of the temporal attention's relative position bias (T5 bucketing, both directions: half the buckets per
    /// sign, exact distances up to a quarter of them, logarithmic beyond). <value>The default value is 32.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 4.</exception>
    public int RelativePositionBuckets
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 4, nameof(RelativePositionBuckets));
            field = value;
        }
    } = 32;

    /// <summary>Frame distance from which on all distances share the last bucket of their direction. <value>The default value is 128.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int RelativePositionMaxDistance
    {
        get;
        init => field = Positive(value, nameof(RelativePositionMaxDistance));
    } = 128;

    /// <summary>Dropout probability inside ResNet blocks, active in training mode only. <value>The default value is 0.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 1).</exception>
    public double Dropout
    {
        get;
        init
        {
            if (!(value >= 0.0 && value < 1.0))
            {
                throw new ArgumentOutOfRangeException(nameof(Dropout), value, "Expected a probability in [0, 1).");
            }
            field = value;
        }
    }

    /// <summary>
    /// Number of classes K for class-conditional models; 0 = unconditional. A class-conditional model embeds K + 1
    /// labels: label K is the null class used for classifier-free guidance. <value>The default value is 0.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int NumClasses
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(NumClasses));
            field = value;
        }
    }

    /// <summary>Width D of context embeddings <c>[B, L, D]</c> attended to by cross-attention; 0 = no cross-attention. <value>The default value is 0.</value></summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int ContextDim
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(ContextDim));
            field = value;
        }
    }

    /// <summary>
    /// Whether conditioning frames and their mask are concatenated to the input on the channel axis as
    /// <c>[x_t, frames * mask, mask]</c> (2C + 1 channels: image-to-video, interpolation, extension).
    /// <value>The default value is false.</value>
    /// </summary>
    public bool ConcatConditioningFrames { get; init; }

    /// <summary>Number of resolution levels (length of <see cref="ChannelMultipliers"/>).</summary>
    [JsonIgnore]
    public int Levels => ChannelMultipliers.Count;

    /// <summary>H and W must be multiples of this number: <c>2^(Levels - 1)</c>.</summary>
    [JsonIgnore]
    public int SpatialMultiple => 1 << (Levels - 1);

    /// <summary>Channels of level <paramref name="level"/>: <c>BaseChannels * ChannelMultipliers[level]</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such level.</exception>
    public int ChannelsAt(int level)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(level);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(level, Levels);
        return BaseChannels * ChannelMultipliers[level];
    }

    /// <summary>Width of the timestep (and class) embedding: <c>4 * BaseChannels</c>.</summary>
    [JsonIgnore]
    public int EmbeddingChannels => 4 * BaseChannels;

    /// <summary>Channels entering the first convolution: <c>InChannels</c>, or <c>2 InChannels + 1</c> with <see cref="ConcatConditioningFrames"/>.</summary>
    [JsonIgnore]
    public int InputConvChannels => ConcatConditioningFrames ? 2 * InChannels + 1 : InChannels;

    /// <summary>Checks the constraints between properties.</summary>
    /// <returns>This instance, for chaining.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An attention level does not exist, or more than 16 levels.</exception>
    /// <exception cref="ArgumentException">A channel count is not divisible by <see cref="NormGroups"/> or
    /// <see cref="AttentionHeadChannels"/>, or the embedding width is odd.</exception>
    public SpaceTimeUNetOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Levels, 16, nameof(ChannelMultipliers));
        foreach (var level in AttentionLevels)
        {
            if (level >= Levels)
            {
                throw new ArgumentOutOfRangeException(nameof(AttentionLevels), level,
                    $"Expected attention levels in [0, {Levels - 1}] (there are {Levels} channel multipliers).");
            }
        }
        foreach (var level in JointAttentionLevels)
        {
            if (level >= Levels)
            {
                throw new ArgumentOutOfRangeException(nameof(JointAttentionLevels), level,
                    $"Expected joint attention levels in [0, {Levels - 1}] (there are {Levels} channel multipliers).");
            }
        }
        for (var level = 0; level < Levels; level++)
        {
            var channels = ChannelsAt(level);
            if (channels % NormGroups != 0)
            {
                throw new ArgumentException(
                    $"Expected the channels of every level to be divisible by NormGroups = {NormGroups}, got {channels} at level {level}.",
                    nameof(NormGroups));
            }
            var attended = TemporalAttention || level == Levels - 1 || AttentionLevels.Contains(level) || JointAttentionLevels.Contains(level);
            if (attended && channels % AttentionHeadChannels != 0)
            {
                throw new ArgumentException(
                    $"Expected the channels of every attention layer to be divisible by AttentionHeadChannels = {AttentionHeadChannels}, got {channels} at level {level}.",
                    nameof(AttentionHeadChannels));
            }
        }
        return this;
    }

    /// <summary>Value equality; the lists compare element by element.</summary>
    public bool Equals(SpaceTimeUNetOptions? other) =>
        other is not null
        && InChannels == other.InChannels
        && OutChannels == other.OutChannels
        && BaseChannels == other.BaseChannels
        && ChannelMultipliers.SequenceEqual(other.ChannelMultipliers)
        && ResBlocksPerLevel == other.ResBlocksPerLevel
        && AttentionLevels.SequenceEqual(other.AttentionLevels)
        && JointAttentionLevels.SequenceEqual(other.JointAttentionLevels)
        && AttentionHeadChannels == other.AttentionHeadChannels
        && NormGroups == other.NormGroups
        && NormStatistics == other.NormStatistics
        && TemporalInitScale.Equals(other.TemporalInitScale)
        && TemporalConvolution == other.TemporalConvolution
        && TemporalAttention == other.TemporalAttention
        && RelativePositionBuckets == other.RelativePositionBuckets
        && RelativePositionMaxDistance == other.RelativePositionMaxDistance
        && Dropout.Equals(other.Dropout)
        && NumClasses == other.NumClasses
        && ContextDim == other.ContextDim
        && ConcatConditioningFrames == other.ConcatConditioningFrames;

    /// <summary>Hash code consistent with <see cref="Equals(SpaceTimeUNetOptions?)"/>.</summary>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(InChannels);
        hash.Add(OutChannels);
        hash.Add(BaseChannels);
        foreach (var m in ChannelMultipliers)
        {
            hash.Add(m);
        }
        hash.Add(ResBlocksPerLevel);
        foreach (var a in AttentionLevels)
        {
            hash.Add(a);
        }
        foreach (var j in JointAttentionLevels)
        {
            hash.Add(100 + j);
        }
        hash.Add(AttentionHeadChannels);
        hash.Add(NormGroups);
        hash.Add(NormStatistics);
        hash.Add(TemporalInitScale);
        hash.Add(TemporalConvolution);
        hash.Add(TemporalAttention);
        hash.Add(RelativePositionBuckets);
        hash.Add(RelativePositionMaxDistance);
        hash.Add(Dropout);
        hash.Add(NumClasses);
        hash.Add(ContextDim);
        hash.Add(ConcatConditioningFrames);
        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"InChannels = {InChannels}, OutChannels = {OutChannels}, BaseChannels = {BaseChannels}, ")
            .Append($"ChannelMultipliers = [{string.Join(", ", ChannelMultipliers)}], ResBlocksPerLevel = {ResBlocksPerLevel}, ")
            .Append($"AttentionLevels = [{string.Join(", ", AttentionLevels)}], JointAttentionLevels = [{string.Join(", ", JointAttentionLevels)}], ")
            .Append($"AttentionHeadChannels = {AttentionHeadChannels}, ")
            .Append($"NormGroups = {NormGroups}, NormStatistics = {NormStatistics}, TemporalInitScale = {TemporalInitScale}, ")
            .Append($"TemporalConvolution = {TemporalConvolution}, TemporalAttention = {TemporalAttention}, ")
            .Append($"RelativePositionBuckets = {RelativePositionBuckets}, RelativePositionMaxDistance = {RelativePositionMaxDistance}, ")
            .Append($"Dropout = {Dropout}, NumClasses = {NumClasses}, ContextDim = {ContextDim}, ConcatConditioningFrames = {ConcatConditioningFrames}");
        return true;
    }

    private static int Positive(int value, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        return value;
    }

    private static IReadOnlyList<int> PositiveList(IReadOnlyList<int> value, string name, bool allowEmpty)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        if (!allowEmpty && value.Count == 0)
        {
            throw new ArgumentOutOfRangeException(name, "Expected at least one element, got [].");
        }
        foreach (var v in value)
        {
            if (v < 1)
            {
                throw new ArgumentOutOfRangeException(name, v, $"Expected every element >= 1, got [{string.Join(", ", value)}].");
            }
        }
        return Array.AsReadOnly(value.ToArray());
    }

    private static IReadOnlyList<int> NonNegativeDistinctList(IReadOnlyList<int> value, string name)
    {
        ArgumentNullException.ThrowIfNull(value, name);
        foreach (var v in value)
        {
            if (v < 0)
            {
                throw new ArgumentOutOfRangeException(name, v, $"Expected every element >= 0, got [{string.Join(", ", value)}].");
            }
        }
        return Array.AsReadOnly(value.Distinct().Order().ToArray());
    }
}
