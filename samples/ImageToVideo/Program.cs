// Animates a first frame: from a PNG you pass (--image path.png, resized to 32x32 by nearest neighbour) or, by default,
// the first frame of BouncingShapes clips. The network was not trained with conditioning frames, so the pipeline
// uses reconstruction guidance (Ho et al. 2022, eq. 7) to make the clip continue the given frame.
using VideoDiffusion.Data;
using VideoDiffusion.IO;
using VideoDiffusion.Pipelines;
using static TorchSharp.torch;

string? image = null;
var outDir = "out";
var seed = 0L;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--image": image = args[i + 1]; break;
        case "--out": outDir = args[i + 1]; break;
        case "--seed": seed = long.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}; use --image PNG, --out DIR, --seed S."); return 2;
    }
}

using var pipeline = VideoDiffusionPipeline.Load(Path.Combine(AppContext.BaseDirectory, "model"));
var (h, w) = (pipeline.Options.Height, pipeline.Options.Width);
using var firstFrames = image is null ? DatasetFrames(4, seed) : PngFrame(image, h, w);
var count = (int)firstFrames.shape[0];
Console.WriteLine($"Animating {count} first frame(s) with {pipeline.Sampler.Name}, {pipeline.Options.Steps} steps …");

using var clips = pipeline.Generate(new GenerationRequest
{
    Count = count,
    Seed = seed,
    FirstFrame = firstFrames,
});
var gifs = clips.SaveGifs(outDir, "i2v");
clips.SaveContactSheet(Path.Combine(outDir, "i2v_sheet.png"));
Console.WriteLine($"Wrote {string.Join(", ", gifs)} and {Path.Combine(outDir, "i2v_sheet.png")} (frame 0 of each row is the given frame).");
return 0;

// First frames [B, 3, H, W] of dataset clips the network has not seen (another data seed).
static Tensor DatasetFrames(int count, long seed)
{
    var data = new BouncingShapes(new BouncingShapesOptions
    {
        Count = count, Frames = 16, Height = 32, Width = 32, Size = 9, Seed = 1_000_000 + seed,
        Colors = [new(230, 40, 40), new(40, 200, 60), new(50, 90, 240), new(240, 220, 40)], // the training colours
    });
    using var scope = NewDisposeScope();
    return stack(Enumerable.Range(0, count).Select(i => data.Get(i).Clip[.., 0]).ToArray()).MoveToOuterDisposeScope();
}

// A PNG as one model-space frame [1, 3, H, W].
static Tensor PngFrame(string path, int height, int width)
{
    var frames = Png.Read(path).ToRgb();
    using var scope = NewDisposeScope();
    var clip = VideoTensors.FromFrames(frames);                      // [3, 1, h, w] in [-1, 1]
    var resized = nn.functional.interpolate(clip.permute(1, 0, 2, 3), [height, width], mode: InterpolationMode.Nearest);
    return resized.MoveToOuterDisposeScope();
}
