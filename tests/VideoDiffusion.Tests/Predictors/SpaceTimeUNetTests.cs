using TorchSharp.Modules;
using VideoDiffusion.Predictors;
using VideoDiffusion.Tests.TestSupport;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;

namespace VideoDiffusion.Tests.Predictors;

public class SpaceTimeUNetTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 3)]
    [InlineData(3, 1)]
    [InlineData(3, 3)]
    [InlineData(8, 1)]
    [InlineData(8, 3)]
    public void Predict_AnyFramesAndBatch_OutputHasTheInputShape(int frames, int batch)
    {
        using var net = Build(KnownSpaceTimeUNets.Tiny);
        RandomizeOutput(net);
        using var scope = NewDisposeScope();
        var x = Normal([batch, 3, frames, 8, 12], seed: frames * 10 + batch);

        var y = net.Predict(x, Timesteps(batch, 3));

        y.shape.Should().Equal(batch, 3, frames, 8, 12);
        y.dtype.Should().Be(ScalarType.Float32);
        y.is_contiguous().Should().BeTrue();
        y.isfinite().all().item<bool>().Should().BeTrue();
        y.abs().mean().item<float>().Should().BeGreaterThan(1e-3f);
    }

    [Fact]
    public void Predict_PerFrameNormsAtInitialisation_EachFrameEqualsThatFrameAlone()
    {
        using var net = Build(KnownSpaceTimeUNets.Tiny with { NormStatistics = NormStatistics.PerFrame });
        RandomizeOutput(net);
        using var scope = NewDisposeScope();
        var x = Normal([2, 3, 4, 8, 8], seed: 11);
        var t = Timesteps(2, 12);

        var clip = net.Predict(x, t);
        var alone = MaxDiffToFramesAlone(net, x, t, clip);

        alone.Should().BeLessThan(1e-5);
        // The comparison can fail: once temporal layers are non-zero, frames see each other.
        Randomize(net, SpaceTimeUNet.IsTemporal, seed: 13);
        MaxDiffToFramesAlone(net, x, t, net.Predict(x, t)).Should().BeGreaterThan(1e-4);
    }

    [Fact]
    public void Predict_AfterOneOptimizerStep_MixesFramesUnlessIndependent()
    {
        using var net = Build(KnownSpaceTimeUNets.Tiny);
        RandomizeOutput(net);
        var startsAtZero = net.named_parameters().Where(p => SpaceTimeUNet.IsTemporal(p.name) && IsZeroInitialized(p.name)
            && !p.name.Contains("relative_position")).Select(p => (p.name, p.parameter)).ToList();
        startsAtZero.Should().OnlyContain(p => p.parameter.abs().sum().item<float>() == 0f);
        using (var stepScope = NewDisposeScope())
        {
            using var optimizer = optim.AdamW(net.parameters(), lr: 1e-2);
            var x0 = Normal([1, 3, 4, 8, 8], seed: 21);
            var target = Normal([1, 3, 4, 8, 8], seed: 22);
            var loss = nn.functional.mse_loss(net.Predict(x0, Timesteps(1, 23)), target);
            loss.backward();
            optimizer.step();
        }
        startsAtZero.Should().NotBeEmpty().And.OnlyContain(p => p.parameter.abs().sum().item<float>() > 0f,
            "one AdamW step moves every temporal convolution and temporal output projection off zero");

        using var scope = NewDisposeScope();
        var x = Normal([1, 3, 4, 8, 8], seed: 24);
        var changed = x.clone();
        changed[.., .., 2] = Normal([1, 3, 8, 8], seed: 25);
        var t = Timesteps(1, 26);
        var independent = new Conditioning { IndependentFrames = true };

        var (otherIndependent, sameIndependent) = FrameDiffs(net.Predict(x, t, independent), net.Predict(changed, t, independent), frame: 2);
        var (otherMixed, _) = FrameDiffs(net.Predict(x, t), net.Predict(changed, t), frame: 2);

        otherIndependent.Should().BeLessThan(1e-6);
        sameIndependent.Should().BeGreaterThan(1e-3);
        otherMixed.Should().BeGreaterThan(1e-4);
    }

    [Fact]
    public void Predict_Conditioning_EveryPartChangesTheOutput()
    {
        using var net = Build(Micro);
        RandomizeOutput(net);
        using var scope = NewDisposeScope();
        var x = Normal([2, 3, 3, 4, 6], seed: 31);
        var t = Timesteps(2, 32);
        var labels = tensor(new long[] { 0, 1 });

        var plain = net.Predict(x, t);
        var nullClass = net.Predict(x, t, new Conditioning { ClassLabels = full([2], (long)net.NullClassLabel) });
        var classes = net.Predict(x, t, new Conditioning { ClassLabels = labels });
        var otherClasses = net.Predict(x, t, new Conditioning { ClassLabels = tensor(new long[] { 2, 0 }) });
        var context = net.Predict(x, t, new Conditioning { ClassLabels = labels, Context = Normal([2, 5, 6], seed: 33) });
        var mask = tensor(new float[] { 1, 0, 0, 1, 0, 1 }).view(2, 3);
        var frames = net.Predict(x, t, new Conditioning { ClassLabels = labels, Frames = Normal([2, 3, 3, 4, 6], seed: 34), FrameMask = mask });
        var nothingKnown = net.Predict(x, t, new Conditioning { Frames = Normal([2, 3, 3, 4, 6], seed: 35), FrameMask = zeros(2, 3) });

        net.NullClassLabel.Should().Be(3).And.Be(net.NumClasses);
        Tensors.MaxAbsDiff(plain, nullClass).Should().Be(0.0, "no labels means the null class");
        Tensors.MaxAbsDiff(plain, nothingKnown).Should().Be(0.0, "frames under a zero mask are unknown");
        Tensors.MaxAbsDiff(classes, nullClass).Should().BeGreaterThan(1e-4);
        Tensors.MaxAbsDiff(classes, otherClasses).Should().BeGreaterThan(1e-4);
        Tensors.MaxAbsDiff(context, classes).Should().BeGreaterThan(1e-4);
        Tensors.MaxAbsDiff(frames, classes).Should().BeGreaterThan(1e-4);
    }

    [Fact]
    public void Backward_EveryParameterGetsAGradient()
    {
        using var net = Build(Micro);
        using var scope = NewDisposeScope();
        Loss(net).backward();
        net.parameters().Where(p => p.grad is null).Should().BeEmpty("a fresh network still connects every parameter");

        // With the zero-initialised layers non-zero (as after training), every gradient is non-zero and finite.
        net.zero_grad();
        Randomize(net, IsZeroInitialized, seed: 41);
        Loss(net).backward();
        foreach (var (name, p) in net.named_parameters())
        {
            var g = p.grad!;
            g.isfinite().all().item<bool>().Should().BeTrue(name);
            g.abs().sum().item<float>().Should().BeGreaterThan(0f, name);
        }

        static Tensor Loss(SpaceTimeUNet net)
        {
            var x = Normal([2, 3, 3, 4, 4], seed: 42);
            var c = new Conditioning
            {
                ClassLabels = tensor(new long[] { 1, 3 }),
                Context = Normal([2, 2, 6], seed: 43),
                Frames = Normal([2, 3, 3, 4, 4], seed: 44),
                FrameMask = tensor(new float[] { 1, 0, 0, 0, 0, 1 }).view(2, 3),
            };
            return net.Predict(x, Timesteps(2, 45), c).square().mean();
        }
    }

    [Fact]
    public void SaveAndLoad_IntoAnotherNetwork_GivesIdenticalOutputs()
    {
        using var net = Build(Micro, seed: 51);
        Randomize(net, IsZeroInitialized, seed: 52);
        using var other = Build(Micro, seed: 53);
        var path = Path.Combine(Path.GetTempPath(), $"unet-{Guid.NewGuid():N}.bin");
        try
        {
            net.save(path);
            other.load(path);
        }
        finally
        {
            File.Delete(path);
        }
        using var scope = NewDisposeScope();
        var x = Normal([1, 3, 2, 4, 4], seed: 54);
        var c = new Conditioning { ClassLabels = tensor(new long[] { 2 }), Context = Normal([1, 3, 6], seed: 55) };

        Tensors.MaxAbsDiff(net.Predict(x, Timesteps(1, 56), c), other.Predict(x, Timesteps(1, 56), c)).Should().Be(0.0);
    }

    [Fact]
    public void Predict_Float64AndFloat32Copies_AgreeWithin1e4()
    {
        using var net32 = Build(Micro, seed: 61);
        using var net64 = Build(Micro, seed: 61);
        Randomize(net32, IsZeroInitialized, seed: 62);
        Randomize(net64, IsZeroInitialized, seed: 62);
        net64.to(ScalarType.Float64);
        using var scope = NewDisposeScope();
        var x = Normal([2, 3, 3, 4, 4], seed: 63, ScalarType.Float64);
        var t = Timesteps(2, 64);
        var c = new Conditioning { ClassLabels = tensor(new long[] { 0, 2 }), Context = Normal([2, 2, 6], seed: 65) };

        var y64 = net64.Predict(x, t, c);
        var y32 = net32.Predict(x.to(ScalarType.Float32), t, c);

        y64.dtype.Should().Be(ScalarType.Float64);
        Tensors.MaxAbsDiff(y64, y32).Should().BeLessThan(1e-4);
        y64.abs().max().item<double>().Should().BeGreaterThan(1e-2);
    }

    [Fact]
    public void Predict_UnderInferenceMode_LeaksNoTensorsAndMatchesGradMode()
    {
        using var net = Build(Micro);
        Randomize(net, IsZeroInitialized, seed: 71);
        using var x = Normal([1, 3, 2, 4, 4], seed: 72);
        using var t = Timesteps(1, 73);
        using var withGrad = net.Predict(x, t);

        var growth = LiveTensors.Growth(() =>
        {
            using var mode = inference_mode();
            using var y = net.Predict(x, t);
        });
        using (inference_mode())
        using (var scope = NewDisposeScope())
        {
            Tensors.MaxAbsDiff(net.Predict(x, t), withGrad).Should().BeLessThan(1e-6);
        }

        growth.Should().Be(0);
    }

    [Fact]
    public void StateDict_NamingContract_TemporalKeysAndPlainLinearProjections()
    {
        using var net = Build(Micro);
        var keys = net.state_dict().Keys.ToList();

        keys.Should().Contain([
            "time_embedding.linear_1.weight", "class_embedding.weight", "conv_in.weight",
            "down_blocks.0.resnets.0.conv1.weight", "down_blocks.0.resnets.0.temporal_conv1.weight",
            "down_blocks.0.attentions.0.self_attention.to_q.weight", "down_blocks.0.attentions.0.cross_attention.to_k.weight",
            "down_blocks.0.attentions.0.temporal_attention.relative_position_bias.weight", "down_blocks.0.downsample.weight",
            "mid_block.resnets.1.conv2.weight", "mid_block.attentions.0.temporal_attention.to_out.bias",
            "up_blocks.0.resnets.1.conv_shortcut.weight", "up_blocks.0.upsample.weight", "norm_out.weight", "conv_out.bias",
        ]);
        keys.Should().HaveCount(net.named_parameters().Count(), "the network holds no buffers");
        // Temporal = temporal convolutions and temporal attention; nothing else carries the word.
        keys.Where(SpaceTimeUNet.IsTemporal).Should().OnlyContain(k => k.Contains(".temporal_conv") || k.Contains(".temporal_attention."));
        var projections = net.named_modules().Where(m => m.name.Split('.')[^1] is "to_q" or "to_k" or "to_v" or "to_out").ToList();
        projections.Should().HaveCount(4 * 3 * 7, "4 projections x 3 attention kinds x 7 stacks (2 down, 1 mid, 4 up)");
        projections.Should().OnlyContain(m => m.module is Linear);
    }

    [Fact]
    public void ForwardHook_OnAProjection_ChangesTheOutput()
    {
        // LoRA attaches to to_q/to_k/to_v/to_out with forward hooks, so Predict must call them through their hooks.
        using var net = Build(Micro);
        Randomize(net, IsZeroInitialized, seed: 81);
        using var scope = NewDisposeScope();
        var x = Normal([1, 3, 2, 4, 4], seed: 82);
        var t = Timesteps(1, 83);
        var before = net.Predict(x, t);
        var toV = (Linear)net.named_modules().First(m => m.name == "mid_block.attentions.0.self_attention.to_v").module;
        var calls = 0;
        var hook = toV.register_forward_hook((_, _, output) => { calls++; return output.mul(2.0); });

        var after = net.Predict(x, t);
        hook.remove();

        calls.Should().Be(1);
        Tensors.MaxAbsDiff(before, after).Should().BeGreaterThan(1e-4);
        Tensors.MaxAbsDiff(before, net.Predict(x, t)).Should().Be(0.0);
    }

    [Fact]
    public void Constructor_SameGenerator_SameWeights_ZeroInitLayersAtZero()
    {
        using var a = Build(Micro, seed: 91);
        using var b = Build(Micro, seed: 91);
        using var c = Build(Micro, seed: 92);
        var pa = a.named_parameters().ToList();
        var pb = b.named_parameters().ToList();
        var pc = c.named_parameters().ToList();

        for (var i = 0; i < pa.Count; i++)
        {
            Tensors.MaxAbsDiff(pa[i].parameter, pb[i].parameter).Should().Be(0.0, pa[i].name);
            var abs = pa[i].parameter.abs().sum().item<float>();
            if (IsZeroInitialized(pa[i].name))
            {
                abs.Should().Be(0f, pa[i].name);
            }
            else if (pa[i].name.EndsWith("weight") && pa[i].parameter.dim() > 1)
            {
                Tensors.MaxAbsDiff(pa[i].parameter, pc[i].parameter).Should().BeGreaterThan(0.0, pa[i].name);
            }
        }
    }

    [Fact]
    public void Predict_DropoutInTraining_FollowsTheGenerator()
    {
        using var net = Build(Micro with { Dropout = 0.3 });
        Randomize(net, IsZeroInitialized, seed: 95);
        using var scope = NewDisposeScope();
        var x = Normal([1, 3, 2, 4, 4], seed: 96);
        var t = Timesteps(1, 97);
        net.eval();
        var eval = net.Predict(x, t);
        net.train();

        net.DropoutGenerator = Tensors.Seeded(5);
        var first = net.Predict(x, t);
        net.DropoutGenerator = Tensors.Seeded(5);
        var again = net.Predict(x, t);
        net.DropoutGenerator = Tensors.Seeded(6);
        var other = net.Predict(x, t);
        net.eval();

        Tensors.MaxAbsDiff(first, again).Should().Be(0.0);
        Tensors.MaxAbsDiff(first, other).Should().BeGreaterThan(1e-4);
        Tensors.MaxAbsDiff(first, eval).Should().BeGreaterThan(1e-4);
        Tensors.MaxAbsDiff(net.Predict(x, t), eval).Should().Be(0.0);
    }

    private static double MaxDiffToFramesAlone(SpaceTimeUNet net, Tensor x, Tensor t, Tensor clip)
    {
        var worst = 0.0;
        for (var f = 0; f < x.shape[2]; f++)
        {
            using var scope = NewDisposeScope();
            var alone = net.Predict(x[.., .., f..(f + 1)], t);
            worst = Math.Max(worst, Tensors.MaxAbsDiff(alone, clip[.., .., f..(f + 1)]));
        }
        return worst;
    }

    private static (double Other, double Same) FrameDiffs(Tensor a, Tensor b, int frame)
    {
        using var scope = NewDisposeScope();
        var diff = (a - b).abs();
        var same = diff[.., .., frame].max().item<float>();
        diff[.., .., frame] = zeros(1);
        return (diff.max().item<float>(), same);
    }
}
