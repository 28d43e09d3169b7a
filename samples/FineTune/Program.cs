// Continues training the MovingShapes network on faster shapes, either with every spatial layer frozen (only the
// temporal layers learn: the motion changes, the look stays) or with LoRA adapters on the attention projections
// (small, separately saved weights). Writes the fine-tuned pipeline and a before/after contact sheet.
using System.Globalization;
using VideoDiffusion.Data;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Pipelines;
using VideoDiffusion.Predictors;
using VideoDiffusion.Training;

var mode = "temporal";
var steps = 60L;
var outDir = "out";
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--mode": mode = args[i + 1]; break;
        case "--steps": steps = long.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--out": outDir = args[i + 1]; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}; use --mode temporal|lora, --steps N, --out DIR."); return 2;
    }
}
if (mode is not ("temporal" or "lora"))
{
    Console.Error.WriteLine($"--mode must be 'temporal' or 'lora', got '{mode}'.");
    return 2;
}

using var pipeline = VideoDiffusionPipeline.Load(Path.Combine(AppContext.BaseDirectory, "model"));
var unet = (SpaceTimeUNet)pipeline.Predictor;
var request = new GenerationRequest { Count = 4, Seed = 3, ClassLabels = [0, 0, 1, 1] };
using (var before = pipeline.Generate(request))
{
    before.SaveContactSheet(Path.Combine(outDir, "finetune_before.png"));
}

// Faster shapes than the network was trained on (speed 1.5 .. 3 pixels per frame).
var fast = new BouncingShapes(new BouncingShapesOptions
{
    Count = 10_000, Frames = 16, Height = 32, Width = 32, Size = 9, MinSpeed = 3.5, MaxSpeed = 4.5, Seed = 77,
    Colors = [new(230, 40, 40), new(40, 200, 60), new(50, 90, 240), new(240, 220, 40)],
});

LoraAdapters? lora = null;
if (mode == "temporal")
{
    var trainable = FineTuning.FreezeAllExceptTemporal(unet);
    Console.WriteLine($"Training {trainable.Count} temporal tensors; every spatial layer is frozen.");
}
else
{
    lora = LoraAdapters.Attach(unet, new LoraOptions { Rank = 4, Alpha = 4 });
    Console.WriteLine($"Training LoRA adapters (rank 4) on {lora.TargetPaths.Count} attention projections; the base weights are frozen.");
}

using (var trainer = new Trainer(unet, pipeline.Schedule, fast, new TrainerOptions
{
    TotalSteps = steps,
    BatchSize = 4,
    LearningRate = 5e-4,
    WeightDecay = 0,
    EmaDecay = null,
    Parameterization = pipeline.Parameterization,
}))
{
    trainer.Train(progress: new ConsoleProgress(p => Console.Write($"\rstep {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  {p.SamplesPerSecond:F1} clips/s   ")));
    Console.WriteLine();
}

if (lora is not null)
{
    lora.Save(Path.Combine(outDir, "lora.safetensors"));   // a few KB: share these instead of the whole network
    lora.Merge();                                            // fold the adapters into the base weights
    lora.Dispose();
}
unet.eval();
using (var after = pipeline.Generate(request))
{
    after.SaveContactSheet(Path.Combine(outDir, "finetune_after.png"));
    after.SaveGifs(outDir, "finetuned");
}
pipeline.Save(Path.Combine(outDir, "finetuned-model"));
Console.WriteLine($"Wrote {outDir}/finetune_before.png, {outDir}/finetune_after.png and the pipeline {outDir}/finetuned-model.");
return 0;

internal sealed class ConsoleProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}
