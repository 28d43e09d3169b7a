using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using VideoDiffusion;
using VideoDiffusion.Data;
using VideoDiffusion.Diffusion;
using VideoDiffusion.IO;
using VideoDiffusion.Losses;
using VideoDiffusion.Metrics;
using VideoDiffusion.Noise;
using VideoDiffusion.Pipelines;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Training;
using static TorchSharp.torch;

// MovingShapes: generate clips of bouncing squares and circles from the pipeline that ships in ./model,
// or (--train) train that pipeline from scratch on the BouncingShapes dataset.
// Keep freed CPU memory for reuse: the denoising loop frees and reallocates the same large buffers at every step
// (about 30% of the generation time goes to page faults otherwise; see docs/benchmarks.md). No-op off glibc.
TorchBackend.RetainFreedCpuMemory();
var args2 = Arguments.Parse(args);
if (args2.Has("help"))
{
    Console.WriteLine(Arguments.Usage);
    return 0;
}
try
{
    return args2.Has("train") ? MovingShapesTraining.Run(args2) : MovingShapesGeneration.Run(args2);
}
catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    Console.Error.WriteLine("Run with --help for the options.");
    return 2;
}

/// <summary>The dataset, network and pipeline options the sample trains and samples with.</summary>
internal static class MovingShapesSetup
{
    public static readonly string[] ClassNames = ["square", "circle"];

    /// <summary>The frame size the shipped model works at; other sizes scale the shape and its speed with it.</summary>
    public const int DefaultSize = 32;

    /// <summary>BouncingShapes clips of <paramref name="frames"/> frames of <paramref name="size"/> x <paramref name="size"/> pixels.</summary>
    public static BouncingShapesOptions Data(long seed, int size = DefaultSize, int frames = 16)
    {
        var scale = (double)size / DefaultSize;
        return new()
        {
            Count = 100_000,
            Frames = frames,
            Height = size,
            Width = size,
            MinObjects = 1,
            MaxObjects = 1,
            Kinds = [ShapeKind.Square, ShapeKind.Circle],
            Size = Math.Round(9 * scale, MidpointRounding.ToEven), // 9 px at 32x32, 4 px at 16x16
            MinSpeed = 1.5 * scale,
            MaxSpeed = 3.0 * scale,
            Colors = [new(230, 40, 40), new(40, 200, 60), new(50, 90, 240), new(240, 220, 40)],
            Label = BouncingShapesLabel.ShapeKind,
            Seed = seed,
        };
    }

    public static SpaceTimeUNetOptions Network => KnownSpaceTimeUNets.Tiny with { NumClasses = ClassNames.Length };

    public static VideoDiffusionPipelineOptions Pipeline => new()
    {
        Frames = 16,
        Height = DefaultSize,
        Width = DefaultSize,
        Steps = 20,
        GuidanceScale = 2.0,
        FramesPerSecond = 10,
        ClassNames = ClassNames,
    };

    public static string DefaultModel => Path.Combine(AppContext.BaseDirectory, "model");
}

/// <summary>Default mode: load the pipeline, generate a batch, write GIFs and a contact sheet.</summary>
internal static class MovingShapesGeneration
{
    public static int Run(Arguments a)
    {
        var modelDir = a.Get("model", MovingShapesSetup.DefaultModel);
        var outDir = a.Get("out", "out");
        var count = a.GetInt("count", 8);
        var seed = a.GetLong("seed", 0);
        var watch = Stopwatch.StartNew();

        using var loaded = VideoDiffusionPipeline.Load(modelDir);
        var pipeline = loaded;
        if (a.Has("sampler"))
        {
            pipeline = pipeline.WithSampler(a.GetEnum<SamplerKind>("sampler"));
        }
        if (a.Has("steps"))
        {
            pipeline = pipeline.WithSteps(a.GetInt("steps", pipeline.Options.Steps));
        }
        if (a.Has("guidance"))
        {
            pipeline = pipeline.WithGuidance(a.GetDouble("guidance", 2.0));
        }

        var names = pipeline.Options.ClassNames;
        var labels = Enumerable.Range(0, count).Select(i => (long)(i * names.Count / count)).ToArray();
        Console.WriteLine($"Generating {count} clips ({string.Join(", ", names.Select((n, k) => $"{labels.Count(l => l == k)} {n}s"))}) " +
                          $"with {pipeline.Sampler.Name}, {pipeline.Options.Steps} steps, guidance {pipeline.Options.GuidanceScale}, seed {seed} …");
        using var clips = pipeline.Generate(new GenerationRequest
        {
            Count = count,
            Seed = seed,
            ClassLabels = labels,
            Progress = new ConsoleProgress<GenerationProgress>(p => Console.Write($"\r  step {p.Step}/{p.Steps}  {p.Elapsed.TotalSeconds:F1} s")),
        });
        Console.WriteLine();

        var gifs = clips.SaveGifs(outDir);
        var sheet = Path.Combine(outDir, "contact_sheet.png");
        clips.SaveContactSheet(sheet);
        foreach (var (gif, i) in gifs.Select((g, i) => (g, i)))
        {
            Console.WriteLine($"  {gif}  ({names[(int)labels[i]]}, seed {clips.Seeds[i]})");
        }
        Console.WriteLine($"  {sheet}  (rows = clips, columns = frames)");

        // Coherence: object tracks, label consistency and Frechet distances against real clips (docs/quality.md).
        var data = MovingShapesSetup.Data(seed, (int)clips.Videos.shape[3], (int)clips.Videos.shape[2]);
        var report = CoherenceReport.Measure(clips.Videos, labels, data);
        report.Print();
        report.Save(Path.Combine(outDir, "metrics.json"));
        Console.WriteLine($"Done in {watch.Elapsed.TotalSeconds:F1} s.");
        return 0;
    }

}

/// <summary>--train: trains the Tiny U-Net on BouncingShapes and writes the pipeline folder.</summary>
internal static class MovingShapesTraining
{
    public static int Run(Arguments a)
    {
        var steps = a.GetLong("steps", 2400);
        var batch = a.GetInt("batch", 8);
        var lr = a.GetDouble("lr", 1e-3);
        var seed = a.GetLong("seed", 0);
        var runDir = a.Get("run", Path.Combine("runs", "moving-shapes"));
        var modelDir = a.Get("model", "model");
        var previewEvery = a.GetInt("preview-every", 500);
        var size = a.GetInt("size", MovingShapesSetup.DefaultSize);
        var frames = a.GetInt("frames", 16);
        var correlation = a.GetDouble("noise-correlation", 0.0);

        // Fine-tuning (--init) keeps the starting network's norm statistics unless --norm says otherwise.
        using var start = a.Has("init") ? VideoDiffusionPipeline.Load(a.Get("init", "")) : null;
        var baseNetwork = start?.Predictor is SpaceTimeUNet initial ? initial.Options : MovingShapesSetup.Network;
        var networkOptions = baseNetwork with
        {
            NormStatistics = a.Has("norm") ? a.GetEnum<NormStatistics>("norm") : baseNetwork.NormStatistics,
            TemporalInitScale = a.GetDouble("temporal-init", baseNetwork.TemporalInitScale),
            JointAttentionLevels = a.Has("joint-levels") ? a.GetIntList("joint-levels") : baseNetwork.JointAttentionLevels,
        };
        var pipelineOptions = MovingShapesSetup.Pipeline with
        {
            Frames = frames,
            Height = size,
            Width = size,
            Parameterization = a.Has("parameterization") ? a.GetEnum<ParameterizationKind>("parameterization") : MovingShapesSetup.Pipeline.Parameterization,
            Noise = correlation > 0
                ? new NoiseSourceOptions { Kind = NoiseSourceKind.FrameCorrelated, Correlation = correlation }
                : MovingShapesSetup.Pipeline.Noise,
        };
        var schedule = pipelineOptions.Schedule.Build();
        var dataset = new BouncingShapes(MovingShapesSetup.Data(seed, size, frames));
        using var network = new SpaceTimeUNet(networkOptions, new Generator((ulong)seed + 1, CPU));
        if (start is not null)
        {
            // Start from the weights of a pipeline folder (fine-tuning). Joint attention layers the starting network lacks
            // (--joint-levels) keep their fresh, zero-output initialisation, so the network starts as the one loaded.
            var (missing, unexpected) = network.load_state_dict(((nn.Module)start.Predictor).state_dict(), strict: false);
            var notJoint = missing.Where(k => !k.Contains("joint_temporal_attention", StringComparison.Ordinal)).Concat(unexpected).ToList();
            if (notJoint.Count > 0)
            {
                throw new ArgumentException($"--init: the starting network does not fit the one to train (keys {string.Join(", ", notJoint.Take(5))}).");
            }
        }
        var options = new TrainerOptions
        {
            TotalSteps = steps,
            BatchSize = batch,
            Seed = seed,
            LearningRate = lr,
            WeightDecay = 0.0,
            LearningRateSchedule = LearningRateSchedule.WarmupCosine(200, finalFactor: 0.05),
            MaxGradNorm = 1.0,
            EmaDecay = 0.999,
            ClassDropout = 0.1,
            Parameterization = Parameterization.FromKind(pipelineOptions.Parameterization),
            Noise = pipelineOptions.Noise.Build(),
            Loss = new DiffusionLoss(ElementLoss.Mse, new MinSnrWeighting(5.0)),
            RunDirectory = runDir,
            LogEvery = 10,
            CheckpointEvery = a.GetInt("checkpoint-every", 500),
            KeepCheckpoints = 2,
            PreviewEvery = previewEvery,
            Preview = preview => WritePreview(preview, pipelineOptions),
        };
        using var trainer = new Trainer(network, schedule, dataset, options);
        if (trainer.ResumeLatest())
        {
            Console.WriteLine($"Resuming {runDir} at step {trainer.Step}.");
        }
        Console.WriteLine($"Training {network.ParameterCount:N0} parameters on {dataset.Description}: {steps} steps of {batch} clips.");

        var watch = Stopwatch.StartNew();
        var startStep = trainer.Step;
        var smoothed = double.NaN;
        var progress = new ConsoleProgress<TrainingProgress>(p =>
        {
            smoothed = double.IsNaN(smoothed) ? p.Loss : 0.98 * smoothed + 0.02 * p.Loss;
            var done = p.Step - startStep;
            var eta = TimeSpan.FromSeconds(watch.Elapsed.TotalSeconds / Math.Max(1, done) * (p.TotalSteps - p.Step));
            Console.Write(string.Create(CultureInfo.InvariantCulture,
                $"\rstep {p.Step}/{p.TotalSteps}  loss {smoothed:F4}  lr {p.LearningRate:E2}  {p.SamplesPerSecond:F1} clips/s  ETA {eta:hh\\:mm\\:ss}   "));
        });
        long? failedAt = null;
        while (true)
        {
            try
            {
                trainer.Train(progress: progress);
                break;
            }
            catch (ExternalException e) when (failedAt != trainer.Step && trainer.LastCheckpoint is not null)
            {
                // TorchSharp 0.107 can free an implicit Scalar while libtorch reads it (docs/training.md): the process
                // state is intact, so resume from the last checkpoint, which replays the same steps bit-exactly. A
                // second failure at the same step is a real error and propagates.
                failedAt = trainer.Step;
                Console.WriteLine();
                Console.WriteLine($"libtorch error at step {trainer.Step} ({e.Message.Split('\n')[0]}); resuming from {trainer.LastCheckpoint}.");
                trainer.ResumeLatest();
            }
        }
        Console.WriteLine();

        using (trainer.UseEmaWeights())
        {
            using var pipeline = new VideoDiffusionPipeline(network, pipelineOptions);
            pipeline.Save(modelDir);
        }
        Console.WriteLine($"Trained {trainer.Step - startStep} steps in {watch.Elapsed.TotalMinutes:F1} min; pipeline (EMA weights) written to {modelDir}.");
        return 0;
    }

    private static void WritePreview(TrainingPreview preview, VideoDiffusionPipelineOptions options)
    {
        if (preview.RunDirectory is null)
        {
            return;
        }
        var pipeline = new VideoDiffusionPipeline(preview.Predictor, options with { Steps = 15 });
        using var clips = pipeline.Generate(new GenerationRequest { Count = 4, Seed = 1234, ClassLabels = [0, 0, 1, 1] });
        var dir = Path.Combine(preview.RunDirectory, "previews"); // created by the savers
        clips.SaveContactSheet(Path.Combine(dir, $"step-{preview.Step:D6}.png"));
        clips.SaveGif(Path.Combine(dir, $"step-{preview.Step:D6}.gif"));
    }
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and interleave lines).</summary>
internal sealed class ConsoleProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

/// <summary>A minimal <c>--name value</c> / <c>--flag</c> parser.</summary>
internal sealed class Arguments
{
    public const string Usage = """
        MovingShapes — bouncing squares and circles from a video diffusion model.

          dotnet run --project samples/MovingShapes -c Release [-- options]

        Generate (default):
          --model DIR       pipeline folder (default: the model shipped with the sample)
          --out DIR         where GIFs and the contact sheet go (default: ./out)
          --count N         clips, split evenly over the classes (default: 8)
          --sampler NAME    Ddpm, Ddim, Euler, EulerAncestral, Heun, DpmSolverPlusPlus2M, DpmSolverPlusPlus3M,
                            DpmSolverPlusPlus2MSde, UniPC, FlowEuler (default: the pipeline's, DpmSolverPlusPlus2M)
          --steps N         sampling steps (default: 20, from the model's pipeline.json)
          --guidance W      classifier-free guidance scale (default: 2)
          --seed S          seed of the first clip (default: 0)

        Train (--train):
          --model DIR       where to write the trained pipeline (default: ./model)
          --run DIR         checkpoints, metrics.jsonl and previews; resumes from it (default: ./runs/moving-shapes)
          --steps N         optimizer steps (default: 2400)
          --batch N         clips per step (default: 8)
          --lr X            peak learning rate (default: 1e-3)
          --seed S          seed of data order, noise and initial weights (default: 0)
          --size N          frame height and width; the shape and its speed scale with it (default: 32)
          --frames N        frames per clip (default: 16)
          --norm KIND       GroupNorm statistics: PerClip or PerFrame (default: the preset's, PerClip, or --init's)
          --temporal-init S initial scale of the temporal layers' weights, 0 = zero (default: the preset's)
          --joint-levels L  levels with joint space-time attention, e.g. 2 (default: the preset's, or --init's)
          --noise-correlation RHO  frame-correlated noise in training and sampling, 0 = Gaussian (default: 0)
          --parameterization KIND  V, Epsilon, Sample or Flow (default: V)
          --init DIR        start from the weights (and network options) of this pipeline folder instead of random ones
          --preview-every N write a preview GIF and contact sheet every N steps (default: 500; 0 = never)
          --checkpoint-every N  write a checkpoint every N steps (default: 500)
        """;

    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    public static Arguments Parse(string[] args)
    {
        var result = new Arguments();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }
            var name = args[i][2..];
            string? value = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
            result._values[name] = value;
        }
        return result;
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string Get(string name, string fallback) =>
        _values.TryGetValue(name, out var v) ? v ?? throw new ArgumentException($"--{name} needs a value.") : fallback;

    public int GetInt(string name, int fallback) => (int)GetLong(name, fallback);

    public long GetLong(string name, long fallback) => Has(name)
        ? long.TryParse(Get(name, ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"--{name} expects an integer, got '{Get(name, "")}'.")
        : fallback;

    public IReadOnlyList<int> GetIntList(string name) =>
        Get(name, "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 ? i
                : throw new ArgumentException($"--{name} expects comma-separated level indices, got '{Get(name, "")}'."))
            .ToArray();

    public double GetDouble(string name, double fallback) => Has(name)
        ? double.TryParse(Get(name, ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : throw new ArgumentException($"--{name} expects a number, got '{Get(name, "")}'.")
        : fallback;

    public T GetEnum<T>(string name) where T : struct, Enum =>
        Enum.TryParse<T>(Get(name, ""), ignoreCase: true, out var v) && Enum.IsDefined(v)
            ? v
            : throw new ArgumentException($"--{name} expects one of {string.Join(", ", Enum.GetNames<T>())}, got '{Get(name, "")}'.");
}
