using TorchSharp.Modules;
using VideoDiffusion.Predictors;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>
/// Counts the floating-point operations of a forward pass by running it once with forward hooks on every layer that
/// does the arithmetic, reading the shapes each layer actually sees. Counted, with 2 FLOPs per multiply-add (the
/// convention of PyTorch's <c>FlopCounterMode</c> and fvcore): 2D convolutions, linear layers, the three GEMMs of a
/// temporal convolution, and the two matrix products of every attention (<c>Q K^T</c> and <c>P V</c>). Not counted:
/// normalisations, activations, softmax, additions, resampling (all O(elements), together a few percent).
/// </summary>
internal static class FlopCounter
{
    /// <summary>FLOPs of the forward passes <paramref name="forward"/> runs on <paramref name="network"/>'s layers.</summary>
    public static double Count(nn.Module network, Action forward)
    {
        double total = 0;
        var removers = new List<Action>();
        // named_modules() lists descendants only; the network itself may be a counted layer.
        foreach (var (name, module) in network.named_modules().Prepend((string.Empty, network)))
        {
            switch (module)
            {
                case Conv2d conv:
                    // Output [N, Cout, H', W'], each element a dot product over Cin/groups * kh * kw inputs.
                    removers.Add(conv.register_forward_hook((_, _, y) =>
                    {
                        total += 2.0 * y.numel() * (conv.weight!.numel() / conv.weight.shape[0]);
                        return null!;
                    }).remove);
                    break;
                case Linear linear:
                    removers.Add(linear.register_forward_hook((_, x, _) =>
                    {
                        total += 2.0 * x.numel() * linear.weight!.shape[0];
                        return null!;
                    }).remove);
                    break;
                case TemporalConvolution temporal:
                    // [T, P, C]: the centre tap on T frames, each off-centre tap on T - 1 frames.
                    removers.Add(temporal.register_forward_hook((_, x, _) =>
                    {
                        var (t, p, c) = (x.shape[0], x.shape[1], x.shape[2]);
                        total += 2.0 * p * c * c * (t + 2 * Math.Max(0, t - 1));
                        return null!;
                    }).remove);
                    break;
                case TemporalAttention temporalAttention:
                    // Tokens [T, P, C]: P sequences of length T.
                    removers.Add(temporalAttention.register_forward_hook((_, x, _, _) =>
                    {
                        var (t, p, c) = (x.shape[0], x.shape[1], x.shape[2]);
                        total += 4.0 * p * t * t * c;
                        return null!;
                    }).remove);
                    break;
                case SpatialAttention spatial:
                    // Tokens [N, L, C]: N sequences of L queries over L keys (self) or the context's keys (cross).
                    var cross = name.EndsWith("cross_attention", StringComparison.Ordinal);
                    removers.Add(spatial.register_forward_hook((_, x, step, _) =>
                    {
                        var (n, l, c) = (x.shape[0], x.shape[1], x.shape[2]);
                        var keys = cross ? step.Context!.shape[1] : l;
                        total += 4.0 * n * l * keys * c;
                        return null!;
                    }).remove);
                    break;
            }
        }
        try
        {
            forward();
        }
        finally
        {
            foreach (var remove in removers)
            {
                remove();
            }
        }
        return total;
    }

    /// <summary>FLOPs of one <see cref="SpaceTimeUNet"/> forward pass on an input of <paramref name="shape"/> (unconditional).</summary>
    public static double UNetForward(SpaceTimeUNet network, long[] shape)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var x = zeros(shape);
        var t = full([shape[0]], 500f);
        return Count(network, () => network.Predict(x, t));
    }
}
