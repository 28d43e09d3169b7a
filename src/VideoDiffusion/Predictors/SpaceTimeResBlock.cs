using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Predictors;

/// <summary>
/// ResNet block of the space-time U-Net: the DDPM / improved-DDPM block (Ho et al. 2020; Nichol &amp; Dhariwal 2021,
/// "scale-shift norm") with each spatial 3x3 convolution followed by a residual temporal convolution
/// (<see cref="TemporalConvolution"/>, Make-A-Video's pseudo-3D convolution):
/// <code>
/// h = temporal_conv1(conv1(SiLU(norm1(x))))
/// h = norm2(h) * (1 + scale) + shift,  (scale, shift) = time_emb_proj(SiLU(emb))
/// h = temporal_conv2(conv2(Dropout(SiLU(h))))
/// y = conv_shortcut(x) + h            (conv_shortcut: 1x1, only when the channel count changes)
/// </code>
/// GroupNorm statistics are per frame or per clip (<see cref="SpaceTimeUNetOptions.NormStatistics"/>); the spatial convolutions are the (1, 3, 3) convolutions of Ho et al. 2022 run as
/// 2D convolutions on the frames, so their weights are those of an image U-Net.
/// </summary>
internal sealed class SpaceTimeResBlock : nn.Module<Tensor, SpaceTimeStep, Tensor>
{
    private readonly double dropout;
    private readonly int groups;
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly TemporalConvolution? temporal_conv1;
    private readonly Linear time_emb_proj;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly TemporalConvolution? temporal_conv2;
    private readonly Conv2d? conv_shortcut;

    /// <summary>Creates a block from <paramref name="inChannels"/> to <paramref name="outChannels"/> channels.</summary>
    public SpaceTimeResBlock(int inChannels, int outChannels, SpaceTimeUNetOptions options) : base(nameof(SpaceTimeResBlock))
    {
        dropout = options.Dropout;
        groups = options.NormGroups;
        norm1 = nn.GroupNorm(options.NormGroups, inChannels);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        time_emb_proj = nn.Linear(options.EmbeddingChannels, 2L * outChannels);
        norm2 = nn.GroupNorm(options.NormGroups, outChannels);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (options.TemporalConvolution)
        {
            temporal_conv1 = new TemporalConvolution(outChannels);
            temporal_conv2 = new TemporalConvolution(outChannels);
        }
        if (inChannels != outChannels)
        {
            conv_shortcut = nn.Conv2d(inChannels, outChannels, 1);
        }
        RegisterComponents();
    }

    /// <summary>Applies the block to frames <c>[T*B, C_in, H, W]</c> (channels-last); returns channels-last frames <c>[T*B, C_out, H, W]</c>.</summary>
    public override Tensor forward(Tensor x, SpaceTimeStep step)
    {
        using var scope = NewDisposeScope();
        var h = Temporal(temporal_conv1, conv1.call(F.silu(SpaceTimeNorm.Apply(norm1, groups, x, step))), step);
        h = Modulate(SpaceTimeNorm.Apply(norm2, groups, h, step), step);
        h = F.silu(h);
        h = Dropout(h, step);
        h = Temporal(temporal_conv2, conv2.call(h), step);
        var skip = conv_shortcut is null ? x : conv_shortcut.call(x);
        return h.add_(skip).MoveToOuterDisposeScope();
    }

    /// <summary>Scale-shift modulation by the timestep embedding, broadcast over the T frames of each video.</summary>
    private Tensor Modulate(Tensor h, SpaceTimeStep step)
    {
        var (n, c, height, width) = (h.shape[0], h.shape[1], h.shape[2], h.shape[3]);
        var chunks = time_emb_proj.call(step.Embedding).view(step.Batch, 2, c, 1, 1);
        var scale = chunks[.., 0].unsqueeze(0);
        var shift = chunks[.., 1].unsqueeze(0);
        // [T*B, C, H, W] -> [T, B, C, H, W] splits the leading axis: a view in channels-last memory.
        return h.view(step.Frames, step.Batch, c, height, width).mul(scale.add(1.0)).add_(shift).view(n, c, height, width);
    }

    private static Tensor Temporal(TemporalConvolution? layer, Tensor h, SpaceTimeStep step)
    {
        if (layer is null || step.IndependentFrames)
        {
            return h;
        }
        var tokens = layer.call(SpaceTimeLayout.ToTimeTokens(h, step.Frames));
        return SpaceTimeLayout.FromTimeTokens(tokens, h.shape[2], h.shape[3]);
    }

    private Tensor Dropout(Tensor h, SpaceTimeStep step)
    {
        if (!training || dropout == 0.0)
        {
            return h;
        }
        // Inverted dropout with the caller's generator (F.dropout would draw from the global one).
        var keep = empty_like(h).bernoulli_(1.0 - dropout, step.DropoutGenerator);
        return h.mul_(keep).div_(1.0 - dropout);
    }
}
