using VideoDiffusion.Pipelines;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Pipelines;

/// <summary>Pipeline folders that survive killed saves and damaged files, arguments that stay in range, and a dispose that races generations.</summary>
public sealed class PipelineSafetyTests : IDisposable
{
    private static readonly VideoDiffusionPipelineOptions Small = new() { Frames = 4, Height = 8, Width = 8, Steps = 4 };
    private readonly SpaceTimeUNet _net;
    private readonly VideoDiffusionPipeline _pipeline;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vd-pipeline-safety-" + Guid.NewGuid().ToString("N"));
    private readonly string _dir;

    public PipelineSafetyTests()
    {
        _net = Build(Micro with { ContextDim = 0, ConcatConditioningFrames = false }, seed: 3);
        Randomize(_net, IsZeroInitialized, seed: 4, std: 0.05);
        _net.eval();
        _pipeline = new VideoDiffusionPipeline(_net, Small);
        Directory.CreateDirectory(_root);
        _dir = Path.Combine(_root, "model");
    }

    public void Dispose()
    {
        _net.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private string[] Siblings() => Directory.GetDirectories(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Load_AfterASaveKilledBetweenItsRenames_RecoversTheNewPipeline()
    {
        _pipeline.Save(_dir); // the old pipeline: 4 steps
        var scratch = Path.Combine(_root, "scratch");
        _pipeline.WithSteps(7).Save(scratch); // the new one, complete
        // What a kill between "target -> .old" and ".tmp -> target" leaves, plus an incomplete temp of an earlier kill.
        Directory.Move(_dir, _dir + ".old-0a1b2c3d");
        Directory.Move(scratch, _dir + ".tmp-4e5f6a7b");
        Directory.CreateDirectory(_dir + ".tmp-99999999");
        File.WriteAllText(Path.Combine(_dir + ".tmp-99999999", "model.safetensors"), "half a file");

        using (var loaded = VideoDiffusionPipeline.Load(_dir))
        {
            loaded.Options.Steps.Should().Be(7, "the complete temporary folder is the pipeline the killed save was writing");
        }
        Siblings().Should().Equal("model");
    }

    [Fact]
    public void Load_WhenOnlyTheOldFolderSurvived_RecoversIt()
    {
        _pipeline.Save(_dir);
        Directory.Move(_dir, _dir + ".old-0a1b2c3d");
        Directory.CreateDirectory(_dir + ".tmp-4e5f6a7b"); // killed while writing the new one

        using var loaded = VideoDiffusionPipeline.Load(_dir);

        loaded.Options.Steps.Should().Be(4);
        Siblings().Should().Equal("model");
    }

    [Fact]
    public void Save_RemovesTheLeftoversOfKilledSaves()
    {
        Directory.CreateDirectory(_dir + ".tmp-12345678");
        File.WriteAllBytes(Path.Combine(_dir + ".tmp-12345678", "model.safetensors"), new byte[1000]);
        Directory.CreateDirectory(_dir + ".old-abcdef01");
        Directory.CreateDirectory(Path.Combine(_root, "model.backup")); // not ours: kept

        _pipeline.Save(_dir);

        Siblings().Should().Equal("model", "model.backup");
    }

    [Fact]
    public void Load_SingleBitFlipInTheWeights_IsCaughtByTheHash()
    {
        _pipeline.Save(_dir);
        var weights = Path.Combine(_dir, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^17] ^= 0x04; // inside the last tensor's data
        File.WriteAllBytes(weights, bytes);

        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<InvalidDataException>()
            .WithMessage("*model.safetensors*corrupt*SHA-256*pipeline.json says*");
    }

    [Fact]
    public void Load_NonFiniteWeights_AreRefused_WithOrWithoutAHash()
    {
        using var net = Build(Micro with { ContextDim = 0, ConcatConditioningFrames = false }, seed: 3);
        using (no_grad())
        {
            net.named_parameters().Single(p => p.name == "conv_in.weight").parameter.view(-1)[5] = float.NaN;
        }
        new VideoDiffusionPipeline(net, Small).Save(_dir);
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<InvalidDataException>()
            .WithMessage("*conv_in.weight*1 non-finite*flat index 5*");

        // A folder written before hashes were recorded is checked the same way.
        var json = Path.Combine(_dir, "pipeline.json");
        var text = File.ReadAllText(json);
        File.WriteAllText(json, text[..text.IndexOf(",\n  \"weights\"", StringComparison.Ordinal)] + "\n}");
        File.ReadAllText(json).Should().NotContain("sha256");
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<InvalidDataException>().WithMessage("*conv_in.weight*non-finite*");
    }

    [Fact]
    public void Load_MalformedWeightsEntry_Explains()
    {
        _pipeline.Save(_dir);
        var json = Path.Combine(_dir, "pipeline.json");
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"sha256\": \"", "\"sha256\": \"zz"));
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<InvalidDataException>()
            .WithMessage("*pipeline.json*expected \"weights\"*64 lowercase hex digits*");
    }

    [Fact]
    public void Save_LeaksNoTensors()
    {
        _pipeline.Save(_dir);
        var growth = TestSupport.LiveTensors.Growth(() =>
        {
            _pipeline.Save(_dir);
            _pipeline.WithSteps(5).Save(_dir);
        });
        growth.Should().Be(0, "a pipeline save leaked ~480 handles before the tensor writer freed its temporaries");
    }

    [Fact]
    public void Save_WithACustomSampler_Throws_AndWritesNothing()
    {
        var custom = _pipeline.WithSampler(KnownSamplers.FromKind(SamplerKind.Ddim));
        FluentActions.Invoking(() => custom.Save(_dir)).Should().Throw<InvalidOperationException>().WithMessage("*custom sampler*");
        Siblings().Should().BeEmpty();
    }

    [Theory]
    [InlineData(1e308)]
    [InlineData(-101)]
    [InlineData(double.NaN)]
    public void GuidanceScale_OutsideItsRange_IsRejectedEverywhere(double scale)
    {
        FluentActions.Invoking(() => _pipeline.WithGuidance(scale)).Should().Throw<ArgumentOutOfRangeException>()
            .WithParameterName("GuidanceScale").WithMessage("*[-100, 100]*");
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { ClassLabels = [0], GuidanceScale = scale }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("GuidanceScale");
        var denoiser = new PredictorDenoiser(_net, VideoDiffusion.Diffusion.Parameterization.V);
        FluentActions.Invoking(() => new ClassifierFreeGuidance(denoiser, Conditioning.None, Conditioning.None, scale))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("scale");
        _pipeline.WithGuidance(100).Options.GuidanceScale.Should().Be(100);
    }

    [Fact]
    public async Task Dispose_DuringAGenerationOnAnotherThread_WaitsForIt_ThenEveryUseThrows()
    {
        _pipeline.Save(_dir);
        var owner = VideoDiffusionPipeline.Load(_dir);
        var derived = owner.WithSteps(6);
        var weight = ((nn.Module)owner.Predictor).parameters().First();
        using var started = new ManualResetEventSlim();
        var steps = 0;
        var sawFreedWeights = false;
        var generation = Task.Run(() => derived.Generate(new GenerationRequest
        {
            Count = 2,
            Progress = new SyncProgress<GenerationProgress>(p =>
            {
                sawFreedWeights |= weight.IsInvalid;
                Interlocked.Increment(ref steps);
                started.Set();
                Thread.Sleep(20); // keep the generation busy while Dispose runs
            }),
        }));
        started.Wait(TimeSpan.FromMinutes(1)).Should().BeTrue();

        owner.Dispose();
        var stepsWhenDisposed = Volatile.Read(ref steps);

        try
        {
            (await generation).Dispose(); // it finished before the cancellation reached it
        }
        catch (ObjectDisposedException)
        {
            // cancelled at its next step: the expected outcome
        }
        steps.Should().Be(stepsWhenDisposed, "no sampling step runs after Dispose has returned");
        steps.Should().BeLessThan(6, "the generation was cancelled, not run to the end");
        sawFreedWeights.Should().BeFalse();
        weight.IsInvalid.Should().BeTrue("the owner freed the network");
        FluentActions.Invoking(() => owner.Generate()).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => derived.Generate()).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => derived.Save(_dir)).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => owner.WithSteps(3)).Should().Throw<ObjectDisposedException>();
        owner.Dispose(); // idempotent
    }

    [Fact]
    public void Dispose_FromTheGenerationsOwnProgressCallback_CancelsIt_AndFreesTheNetworkAfterwards()
    {
        _pipeline.Save(_dir);
        var owner = VideoDiffusionPipeline.Load(_dir);
        var weight = ((nn.Module)owner.Predictor).parameters().First();
        var stillAliveInCallback = false;
        FluentActions.Invoking(() => owner.Generate(new GenerationRequest
        {
            Progress = new SyncProgress<GenerationProgress>(p =>
            {
                owner.Dispose();
                stillAliveInCallback = !weight.IsInvalid;
            }),
        })).Should().Throw<ObjectDisposedException>().WithMessage("*disposed during the generation*");
        stillAliveInCallback.Should().BeTrue("the network is freed only when the generation has stopped");
        weight.IsInvalid.Should().BeTrue();
    }
}
