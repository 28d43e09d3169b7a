using VideoDiffusion.Predictors;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Predictors;

/// <summary>Small networks and helpers shared by the U-Net tests.</summary>
internal static class UNetTestSupport
{
    /// <summary>
    /// A very small network with every feature on (classes, context, conditioning frames, all temporal layers,
    /// attention at both levels), for checks that do not need the Tiny preset. H and W must be multiples of 2.
    /// </summary>
    public static SpaceTimeUNetOptions Micro { get; } = new()
    {
        BaseChannels = 16,
        ChannelMultipliers = [1, 2],
        ResBlocksPerLevel = 1,
        AttentionLevels = [0, 1],
        AttentionHeadChannels = 8,
        NormGroups = 4,
        RelativePositionBuckets = 8,
        RelativePositionMaxDistance = 16,
        NumClasses = 3,
        ContextDim = 6,
        ConcatConditioningFrames = true,
    };

    /// <summary>A network built from a seeded generator.</summary>
    public static SpaceTimeUNet Build(SpaceTimeUNetOptions options, long seed = 1) => new(options, Tensors.Seeded(seed));

    /// <summary>Whether a parameter starts at zero by design (final convolution, temporal layers on the residual path).</summary>
    public static bool IsZeroInitialized(string key) =>
        key.StartsWith("conv_out.", StringComparison.Ordinal)
        || key.Contains("temporal_conv", StringComparison.Ordinal)
        || key.Contains("temporal_attention.to_out", StringComparison.Ordinal)
        || key.Contains("temporal_attention.relative_position_bias", StringComparison.Ordinal);

    /// <summary>Overwrites the parameters whose key satisfies <paramref name="select"/> with <c>N(0, std^2)</c> values from a seeded generator.</summary>
    public static void Randomize(SpaceTimeUNet net, Func<string, bool> select, long seed, double std = 0.05)
    {
        var generator = Tensors.Seeded(seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in net.named_parameters())
        {
            if (select(name))
            {
                using var draw = randn(parameter.shape, ScalarType.Float64, generator: generator);
                parameter.copy_(draw.mul_(std));
            }
        }
    }

    /// <summary>Gives the final convolution random weights, as after image training, keeping temporal layers at zero.</summary>
    public static void RandomizeOutput(SpaceTimeUNet net, long seed = 7) =>
        Randomize(net, k => k.StartsWith("conv_out.", StringComparison.Ordinal), seed);

    /// <summary>A seeded standard-normal tensor.</summary>
    public static Tensor Normal(long[] shape, long seed, ScalarType dtype = ScalarType.Float32) =>
        randn(shape, dtype, generator: Tensors.Seeded(seed));

    /// <summary>Uniform timesteps in [0, 1000) for a batch.</summary>
    public static Tensor Timesteps(long batch, long seed) => rand([batch], generator: Tensors.Seeded(seed)).mul_(999.0);

    /// <summary>
    /// The parameter count of a network, from the architecture as documented in docs/predictors.md (independent of the
    /// module code: a mismatch means the code and the documentation disagree).
    /// </summary>
    public static long ExpectedParameterCount(SpaceTimeUNetOptions o)
    {
        long e = o.EmbeddingChannels;
        long Conv(long cin, long cout, long k) => cin * cout * k * k + cout;
        long Lin(long cin, long cout, bool bias = true) => cin * cout + (bias ? cout : 0);
        long Norm(long c) => 2 * c;
        long Res(long cin, long cout) =>
            Norm(cin) + Conv(cin, cout, 3) + Lin(e, 2 * cout) + Norm(cout) + Conv(cout, cout, 3)
            + (o.TemporalConvolution ? 2 * (3 * cout * cout + cout) : 0)
            + (cin != cout ? Conv(cin, cout, 1) : 0);
        long Attention(long c, long kv) => Norm(c) + Lin(c, c, false) + 2 * Lin(kv, c, false) + Lin(c, c);
        long Stack(long c, bool spatial, bool joint)
        {
            var heads = c / o.AttentionHeadChannels;
            return (spatial ? Attention(c, c) + (o.ContextDim > 0 ? Attention(c, o.ContextDim) : 0) : 0)
                + (o.TemporalAttention ? Attention(c, c) + (long)o.RelativePositionBuckets * heads : 0)
                + (joint ? Attention(c, c) : 0);
        }

        var total = Lin(o.BaseChannels, e) + Lin(e, e) + (o.NumClasses > 0 ? (o.NumClasses + 1L) * e : 0);
        long top = o.ChannelsAt(0);
        total += Conv(o.InputConvChannels, top, 3);
        var skips = new Stack<long>([top]);
        var ch = top;
        for (var level = 0; level < o.Levels; level++)
        {
            long c = o.ChannelsAt(level);
            var spatial = o.AttentionLevels.Contains(level);
            for (var j = 0; j < o.ResBlocksPerLevel; j++)
            {
                total += Res(ch, c) + Stack(c, spatial, o.JointAttentionLevels.Contains(level));
                ch = c;
                skips.Push(c);
            }
            if (level < o.Levels - 1)
            {
                total += Conv(c, c, 3);
                skips.Push(c);
            }
        }
        total += 2 * Res(ch, ch) + Stack(ch, spatial: true, o.JointAttentionLevels.Contains(o.Levels - 1));
        for (var level = o.Levels - 1; level >= 0; level--)
        {
            long c = o.ChannelsAt(level);
            var spatial = o.AttentionLevels.Contains(level);
            for (var j = 0; j <= o.ResBlocksPerLevel; j++)
            {
                total += Res(ch + skips.Pop(), c) + Stack(c, spatial, o.JointAttentionLevels.Contains(level));
                ch = c;
            }
            if (level > 0)
            {
                total += Conv(c, c, 3);
            }
        }
        return total + Norm(top) + Conv(top, o.OutChannels, 3);
    }
}
