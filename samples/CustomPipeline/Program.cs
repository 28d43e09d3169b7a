// Composes a pipeline by hand — schedule, plan, denoiser, guidance, sampler — and owns the denoising loop
// through the single-step API. Uses the network trained by samples/MovingShapes.
using VideoDiffusion.Diffusion;
using VideoDiffusion.IO;
using VideoDiffusion.Pipelines;
using VideoDiffusion.Predictors;
using VideoDiffusion.Samplers;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

using var trained = VideoDiffusionPipeline.Load(Path.Combine(AppContext.BaseDirectory, "model"));
var unet = (SpaceTimeUNet)trained.Predictor;

// 1. The schedule the network was trained with, and a 20-step Karras plan on it (rho = 7).
var plan = SamplingPlan.Create(trained.Schedule, 20, TimestepSpacing.Karras);

// 2. The denoiser: network -> (x0_hat, eps_hat), then classifier-free guidance towards "circle" (label 1).
using var labels = tensor(new long[] { 1, 1, 0, 0 });
var conditional = new Conditioning { ClassLabels = labels };
var denoiser = new PredictorDenoiser(unet, trained.Parameterization);
using var guided = new ClassifierFreeGuidance(denoiser, conditional,
    ClassifierFreeGuidance.UnconditionalFor(conditional, unet.NullClassLabel), scale: 2.5, rescale: 0.5);

// 3. Start noise: one generator per clip, so every clip is reproducible on its own.
using var context = SamplingContext.FromSeeds([7, 8, 9, 10]);
using var noise = context.DrawNoise([4, 3, 16, 32, 32]);
var x = noise * plan[0].Sigma;

// 4. The loop: one Step per level, with our own logging between steps.
var sampler = new DpmSolverPlusPlusSampler(order: 2);
using (var state = sampler.Begin(plan))
{
    while (!state.IsComplete)
    {
        var level = state.Level;
        var next = sampler.Step(guided, x, state, context);
        x.Dispose();
        x = next;
        Console.WriteLine($"step {state.StepIndex,2}/{plan.Steps}  t = {level.Timestep,7:F2}  sigma = {level.Sigma:F4}");
    }
}

// 5. Save: two circles and two squares (the savers create ./out).
using var clips = x.clamp(-1, 1);
VideoExport.SaveContactSheet(Path.Combine("out", "custom_sheet.png"), clips);
using var circle = clips[0];
VideoExport.SaveGif(Path.Combine("out", "custom_circle.gif"), circle, new GifWriteOptions { FramesPerSecond = 10 });
x.Dispose();
Console.WriteLine("Wrote out/custom_sheet.png and out/custom_circle.gif");
