using VideoDiffusion.Predictors;
using VideoDiffusion.Tests.Data;
using VideoDiffusion.Tests.TestSupport;
using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

public sealed class FineTuningTests
{
    private static Tensor Output(StandInPredictor model)
    {
        using var g = Tensors.Seeded(42);
        using var x = randn([2, 3, 4, 6, 6], generator: g);
        using var t = tensor(new float[] { 10, 70 });
        using var labels = tensor(new long[] { 1, 2 });
        using var _ = no_grad();
        return model.Predict(x, t, new Conditioning { ClassLabels = labels });
    }

    [Fact]
    public void InitializeFromImageModel_CopiesSpatialKeepsTemporal()
    {
        var image = new StandInPredictor(seed: 1);
        var video = new StandInPredictor(seed: 2);
        var temporalBefore = TrainingSetup.Bits(video.state_dict().Where(kv => kv.Key.Contains("temporal")));
        var (copied, kept) = FineTuning.InitializeFromImageModel(video, image);
        kept.Should().Equal("temporal_conv.weight", "temporal_conv.bias");
        copied.Should().HaveCount(video.state_dict().Count - 2);
        var imageBits = TrainingSetup.Bits(image.state_dict());
        var videoBits = TrainingSetup.Bits(video.state_dict());
        foreach (var name in copied)
        {
            videoBits[name].Should().Equal(imageBits[name]);
        }
        foreach (var (name, bits) in temporalBefore)
        {
            videoBits[name].Should().Equal(bits);
        }
        var partial = image.state_dict().Where(kv => kv.Key != "spatial_in.bias").ToDictionary(kv => kv.Key, kv => kv.Value);
        FluentActions.Invoking(() => FineTuning.InitializeFromImageModel(video, partial)).Should().Throw<ArgumentException>().WithMessage("*lack 'spatial_in.bias'*");
    }

    [Fact]
    public void LoraAdapters_Training_ChangesOnlyAdaptersAndMergeMatchesAdaptedOutputs()
    {
        var model = new StandInPredictor(seed: 3);
        var baseBits = TrainingSetup.Bits(model.state_dict());
        using var baseOutput = Output(model);
        var lora = LoraAdapters.Attach(model, new LoraOptions { Rank = 2, Alpha = 4, Seed = 5 });
        lora.TargetPaths.Should().Equal("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out");
        // B starts at zero: the adapted network equals the base network.
        using (var fresh = Output(model))
        {
            Tensors.MaxAbsDiff(fresh, baseOutput).Should().Be(0);
        }
        using (var trainer = TrainingSetup.Trainer(model, TrainingSetup.Options() with { LearningRate = 1e-2 }))
        {
            trainer.TrainableParameterNames.Should().HaveCount(8).And.OnlyContain(n => n.Contains(".lora_"));
            trainer.Train(6);
        }
        var trained = TrainingSetup.Bits(model.state_dict());
        foreach (var (name, bits) in baseBits)
        {
            trained[name].Should().Equal(bits, $"{name} belongs to the frozen base");
        }
        trained.Keys.Where(k => k.Contains(".lora_B.")).Should().OnlyContain(k => trained[k].Any(b => b != 0), "B is trained away from zero");
        using var adapted = Output(model);
        Tensors.MaxAbsDiff(adapted, baseOutput).Should().BeGreaterThan(1e-4);

        using var dir = TestFiles.Temp();
        var file = dir.File("adapters.safetensors");
        lora.Save(file);
        lora.Merge();
        lora.IsAttached.Should().BeFalse();
        model.state_dict().Keys.Should().NotContain(k => k.Contains("lora"));
        model.parameters().Should().OnlyContain(p => p.requires_grad);
        using (var merged = Output(model))
        {
            Tensors.MaxAbsDiff(merged, adapted).Should().BeLessThan(1e-5);
        }

        // The adapters alone, loaded onto a fresh base, reproduce the adapted network.
        var other = new StandInPredictor(seed: 3);
        using var reloaded = LoraAdapters.AttachFromFile(other, file);
        reloaded.Options.Rank.Should().Be(2);
        using (var again = Output(other))
        {
            Tensors.MaxAbsDiff(again, adapted).Should().Be(0);
        }
        reloaded.Detach();
        using (var detached = Output(other))
        {
            Tensors.MaxAbsDiff(detached, baseOutput).Should().Be(0);
        }
    }

    [Fact]
    public void LoraAdapters_NoTargetsOrWrongFile_Throw()
    {
        var model = new StandInPredictor(seed: 3);
        FluentActions.Invoking(() => LoraAdapters.Attach(model, new LoraOptions { TargetModules = ["proj"] })).Should().Throw<ArgumentException>().WithMessage("*no linear layer named proj*");
        using var lora = LoraAdapters.Attach(model, new LoraOptions { Rank = 1 });
        FluentActions.Invoking(() => LoraAdapters.Attach(model)).Should().Throw<ArgumentException>().WithMessage("*already*");
        using var dir = TestFiles.Temp();
        File.WriteAllBytes(dir.File("junk.safetensors"), [1, 2, 3]);
        FluentActions.Invoking(() => lora.Load(dir.File("junk.safetensors"))).Should().Throw<InvalidDataException>().WithMessage("*junk.safetensors*");
    }
}
