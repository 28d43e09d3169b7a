using VideoDiffusion.IO;
using VideoDiffusion.Pipelines;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Tests.TestSupport;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;

namespace VideoDiffusion.Tests.Pipelines;

public sealed class VideoDiffusionPipelineTests : IDisposable
{
    private static readonly VideoDiffusionPipelineOptions Small = new() { Frames = 4, Height = 8, Width = 8, Steps = 4 };
    private readonly SpaceTimeUNet _net;
    private readonly VideoDiffusionPipeline _pipeline;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vd-pipeline-" + Guid.NewGuid().ToString("N"));

    public VideoDiffusionPipelineTests()
    {
        // A micro network with every layer non-zero, so outputs depend on labels, frames and time.
        _net = Build(Micro with { ContextDim = 0, ConcatConditioningFrames = false }, seed: 3);
        Randomize(_net, IsZeroInitialized, seed: 4, std: 0.05);
        _net.eval();
        _pipeline = new VideoDiffusionPipeline(_net, Small);
    }

    public void Dispose()
    {
        _net.Dispose();
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    [Fact]
    public void Generate_Defaults_GiveOneClipOfTheConfiguredSizeInModelSpace()
    {
        using var clips = _pipeline.Generate();
        clips.Videos.shape.Should().Equal(1, 3, 4, 8, 8);
        clips.Videos.dtype.Should().Be(ScalarType.Float32);
        clips.Videos.abs().max().item<float>().Should().BeLessThanOrEqualTo(1f);
        clips.Seeds.Should().Equal(0L);
    }

    [Fact]
    public void Generate_ClipOfABatch_EqualsTheSameClipMadeAlone()
    {
        using var batch = _pipeline.Generate(new GenerationRequest { Count = 3, Seed = 10, ClassLabels = [0, 1, 2] });
        using var alone = _pipeline.Generate(new GenerationRequest { Count = 1, Seeds = [11], ClassLabels = [1] });
        using var second = batch[1];
        using var only = alone[0];
        Tensors.MaxAbsDiff(second, only).Should().BeLessThan(1e-5);
    }

    [Fact]
    public void Generate_SameSeed_IsBitIdentical_DifferentSeedOrLabelDiffers()
    {
        using var a = _pipeline.Generate(new GenerationRequest { Seed = 5, ClassLabels = [1] });
        using var b = _pipeline.Generate(new GenerationRequest { Seed = 5, ClassLabels = [1] });
        using var c = _pipeline.Generate(new GenerationRequest { Seed = 6, ClassLabels = [1] });
        using var d = _pipeline.Generate(new GenerationRequest { Seed = 5, ClassLabels = [2] });
        Tensors.MaxAbsDiff(a.Videos, b.Videos).Should().Be(0);
        Tensors.MaxAbsDiff(a.Videos, c.Videos).Should().BeGreaterThan(1e-3);
        Tensors.MaxAbsDiff(a.Videos, d.Videos).Should().BeGreaterThan(1e-4);
    }

    [Fact]
    public void Generate_GuidanceScaleOne_EqualsNoGuidance_AndScaleChangesOutput()
    {
        using var plain = _pipeline.Generate(new GenerationRequest { Seed = 1, ClassLabels = [2] });
        using var one = _pipeline.WithGuidance(1.0).Generate(new GenerationRequest { Seed = 1, ClassLabels = [2] });
        using var three = _pipeline.WithGuidance(3.0).Generate(new GenerationRequest { Seed = 1, ClassLabels = [2] });
        Tensors.MaxAbsDiff(plain.Videos, one.Videos).Should().Be(0);
        Tensors.MaxAbsDiff(plain.Videos, three.Videos).Should().BeGreaterThan(1e-4);
    }

    [Theory]
    [InlineData(KnownFrameStrategy.Replacement)]
    [InlineData(KnownFrameStrategy.ReconstructionGuidance)]
    public void Generate_ImageToVideo_ReturnsTheFirstFrameExactly(KnownFrameStrategy strategy)
    {
        using var first = rand([3, 8, 8], generator: Tensors.Seeded(2)) * 2 - 1;
        var pipeline = _pipeline.WithOptions(Small with { KnownFrames = strategy });
        using var clips = pipeline.Generate(new GenerationRequest { Count = 2, FirstFrame = first });
        clips.Videos.shape.Should().Equal(2, 3, 4, 8, 8);
        for (var b = 0; b < 2; b++)
        {
            using var frame0 = clips.Videos[b, .., 0];
            Tensors.MaxAbsDiff(frame0, first).Should().Be(0);
        }
    }

    [Fact]
    public void Generate_Interpolation_KeepsKeyFramesAtTheirPositions()
    {
        using var keys = rand([3, 2, 8, 8], generator: Tensors.Seeded(3)) * 2 - 1;
        using var clips = _pipeline.Generate(new GenerationRequest { KeyFrames = keys, KeyFramePositions = [0, 3] });
        using var frame0 = clips.Videos[0, .., 0];
        using var frame3 = clips.Videos[0, .., 3];
        using var key0 = keys[.., 0];
        using var key1 = keys[.., 1];
        Tensors.MaxAbsDiff(frame0, key0).Should().Be(0);
        Tensors.MaxAbsDiff(frame3, key1).Should().Be(0);
    }

    [Fact]
    public void Generate_ContinueBeyondTheClipLength_ExtendsChunkByChunk_KeepingTheGivenFrames()
    {
        using var clip = rand([3, 3, 8, 8], generator: Tensors.Seeded(4)) * 2 - 1;
        var steps = new List<GenerationProgress>();
        using var clips = _pipeline.Generate(new GenerationRequest { Continue = clip, Frames = 9, Progress = new SyncProgress<GenerationProgress>(steps.Add) });
        clips.Videos.shape.Should().Equal(1, 3, 9, 8, 8);
        using var head = clips.Videos[0, .., ..3];
        Tensors.MaxAbsDiff(head, clip).Should().Be(0);
        // Clip length 4, overlap 2: frames 3..8 come in ceil(6 / 2) = 3 chunks of 4 steps.
        steps.Select(s => s.Step).Should().Equal(Enumerable.Range(1, 12));
        steps.Should().AllSatisfy(s => s.Steps.Should().Be(12));
    }

    [Fact]
    public void Generate_PipelineGuidanceWithoutLabels_SamplesUnguided()
    {
        using var guided = _pipeline.WithGuidance(3).Generate(new GenerationRequest { Seed = 2 });
        using var plain = _pipeline.Generate(new GenerationRequest { Seed = 2 });
        Tensors.MaxAbsDiff(guided.Videos, plain.Videos).Should().Be(0);
    }

    [Fact]
    public void Generate_CancelledToken_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { CancellationToken = cts.Token }))
            .Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Generate_LeaksNoTensors()
    {
        _pipeline.Generate(new GenerationRequest { Seed = 1 }).Dispose();
        var growth = LiveTensors.Growth(() =>
        {
            _pipeline.Generate(new GenerationRequest { Count = 2, ClassLabels = [1], Seed = 1 }).Dispose();
            _pipeline.WithGuidance(2).Generate(new GenerationRequest { ClassLabels = [0] }).Dispose();
        });
        growth.Should().Be(0);
    }

    [Fact]
    public void Generate_BadRequests_NameTheField()
    {
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { Count = 2, Seeds = [1] }))
            .Should().Throw<ArgumentException>().WithParameterName("Seeds").WithMessage("*one seed per clip (2), got 1*");
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { ClassLabels = [3] }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("ClassLabels");
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { Height = 7 }))
            .Should().Throw<ArgumentException>().WithParameterName("Height").WithMessage("*multiple of 2*got 7*");
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { GuidanceScale = 3 }))
            .Should().Throw<ArgumentException>().WithParameterName("GuidanceScale");
        using var image = zeros(3, 8, 8);
        using var clip = zeros([3, 2, 8, 8]);
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { FirstFrame = image, Continue = clip }))
            .Should().Throw<ArgumentException>().WithMessage("*at most one*");
        using var wrongChannels = zeros(4, 8, 8);
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { FirstFrame = wrongChannels }))
            .Should().Throw<ArgumentException>().WithParameterName("FirstFrame").WithMessage("*C = 3*[4, 8, 8]*");
        using var keys = zeros([3, 2, 8, 8]);
        FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { KeyFrames = keys, KeyFramePositions = [2, 1] }))
            .Should().Throw<ArgumentException>().WithParameterName("KeyFramePositions");
    }

    [Fact]
    public void Generate_RequestRejectedAfterItsLabelsAreBuilt_LeaksNoTensors()
    {
        using var twoImages = zeros(2, 3, 8, 8);
        var growth = LiveTensors.Growth(() =>
            FluentActions.Invoking(() => _pipeline.Generate(new GenerationRequest { Count = 3, ClassLabels = [0], FirstFrame = twoImages }))
                .Should().Throw<ArgumentException>().WithMessage("*batch size 1 or Count = 3*"));
        growth.Should().Be(0);
    }

    [Fact]
    public void Generate_LabelsForAnUnconditionalNetwork_Throws()
    {
        using var net = Build(Micro with { NumClasses = 0, ContextDim = 0, ConcatConditioningFrames = false });
        var pipeline = new VideoDiffusionPipeline(net, Small);
        FluentActions.Invoking(() => pipeline.Generate(new GenerationRequest { ClassLabels = [0] }))
            .Should().Throw<ArgumentException>().WithParameterName("ClassLabels").WithMessage("*not class-conditional*");
    }

    [Fact]
    public void SaveThenLoad_GeneratesBitIdenticalClips_AndKeepsOptions()
    {
        var options = Small with { Sampler = SamplerKind.UniPC, ClassNames = ["a", "b", "c"], GuidanceScale = 2 };
        var pipeline = _pipeline.WithOptions(options);
        pipeline.Save(_dir);
        File.Exists(Path.Combine(_dir, "model.safetensors")).Should().BeTrue();
        File.ReadAllText(Path.Combine(_dir, "pipeline.json")).Should().Contain("\"Sampler\": \"UniPC\"");

        using var loaded = VideoDiffusionPipeline.Load(_dir);
        loaded.Options.Sampler.Should().Be(SamplerKind.UniPC);
        loaded.Options.ClassNames.Should().Equal("a", "b", "c");
        ((SpaceTimeUNet)loaded.Predictor).Options.Should().Be(_net.Options);
        var request = new GenerationRequest { Count = 2, Seed = 9, ClassLabels = [1, 2] };
        using var before = pipeline.Generate(request);
        using var after = loaded.Generate(request);
        Tensors.MaxAbsDiff(before.Videos, after.Videos).Should().Be(0);
    }

    [Fact]
    public void Load_FolderWrittenBeforeNormStatistics_NormalisesPerFrame()
    {
        using var net = Build(Micro with { NormStatistics = NormStatistics.PerClip });
        new VideoDiffusionPipeline(net, Small).Save(_dir);
        var json = Path.Combine(_dir, "pipeline.json");
        File.ReadAllText(json).Should().Contain("\"NormStatistics\": \"PerClip\"");
        using (var loaded = VideoDiffusionPipeline.Load(_dir))
        {
            ((SpaceTimeUNet)loaded.Predictor).Options.NormStatistics.Should().Be(NormStatistics.PerClip);
        }
        // A folder of an earlier version has no NormStatistics key: its networks took per-frame statistics.
        File.WriteAllText(json, File.ReadAllText(json).Replace("\"NormStatistics\": \"PerClip\",", ""));

        using var old = VideoDiffusionPipeline.Load(_dir);

        File.ReadAllText(json).Should().NotContain("NormStatistics");
        ((SpaceTimeUNet)old.Predictor).Options.NormStatistics.Should().Be(NormStatistics.PerFrame);
    }

    [Fact]
    public void Save_OverAnExistingFolder_ReplacesItCompletely()
    {
        _pipeline.Save(_dir);
        File.WriteAllText(Path.Combine(_dir, "stale.txt"), "old");
        _pipeline.WithSteps(7).Save(_dir);
        File.Exists(Path.Combine(_dir, "stale.txt")).Should().BeFalse();
        using var loaded = VideoDiffusionPipeline.Load(_dir);
        loaded.Options.Steps.Should().Be(7);
        Directory.GetDirectories(Path.GetDirectoryName(_dir)!, Path.GetFileName(_dir) + ".*-*").Should().BeEmpty("no temporary or old folder is left");
    }

    [Fact]
    public void Load_MissingOrCorruptFiles_Explain()
    {
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<DirectoryNotFoundException>();
        _pipeline.Save(_dir);
        var json = Path.Combine(_dir, "pipeline.json");
        var text = File.ReadAllText(json);
        File.WriteAllText(json, text.Replace("\"version\": 1", "\"version\": 99"));
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<InvalidDataException>().WithMessage("*pipeline.json*version*99*");
        File.WriteAllText(json, text[..(text.Length / 2)]);
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<InvalidDataException>().WithMessage("*pipeline.json*");
        File.WriteAllText(json, text);
        var weights = Path.Combine(_dir, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length - 100)]);
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<InvalidDataException>();
        File.Delete(weights);
        FluentActions.Invoking(() => VideoDiffusionPipeline.Load(_dir)).Should().Throw<FileNotFoundException>().WithMessage("*model.safetensors*");
    }

    [Fact]
    public void GeneratedClips_SaveInOneCall()
    {
        using var clips = _pipeline.Generate(new GenerationRequest { Count = 2, ClassLabels = [0] });
        var gifs = clips.SaveGifs(_dir);
        clips.SaveContactSheet(Path.Combine(_dir, "sheet.png"));
        clips.SaveNpy(Path.Combine(_dir, "clips.npy"));

        gifs.Should().HaveCount(2);
        var gif = Gif.Read(gifs[1]);
        gif.Frames.Frames.Should().Be(4);
        gif.Frames.Height.Should().Be(8);
        using var clip1 = clips[1];
        using var expected = VideoTensors.ToBytes(clip1);
        using var decoded = gif.Frames.ToTensor();
        Tensors.MaxAbsDiff(decoded, expected).Should().Be(0, "4 frames of 8x8 hold at most 256 colours, which GIF keeps exactly");
        using var npy = Npy.Read(Path.Combine(_dir, "clips.npy"));
        Tensors.MaxAbsDiff(npy, clips.Videos).Should().Be(0);
        var sheet = Png.Read(Path.Combine(_dir, "sheet.png"));
        sheet.Height.Should().BeGreaterThan(2 * 8);
    }
}
