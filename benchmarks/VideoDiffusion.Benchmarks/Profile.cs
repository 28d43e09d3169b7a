using System.Globalization;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>The <c>profile</c> command: where the time of a U-Net forward pass goes (<see cref="ModuleProfiler"/>).</summary>
internal static class Profile
{
    private const int WarmupPasses = 2;
    private const int Passes = 10;

    /// <summary>Profiles <c>[preset] [batch]</c> (defaults Tiny and 1) and prints the table.</summary>
    public static void Run(string[] args)
    {
        var preset = args.Length > 0 ? args[0] : "Tiny";
        var batch = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        long[] shape = [batch, 3, 16, 32, 32];
        using var network = Networks.Build(Networks.Options(preset));
        var flops = FlopCounter.UNetForward(network, shape);
        using var generator = new Generator(7, CPU);
        using var x = randn(shape, generator: generator);
        using var t = full([batch], 500f);
        using var profiler = new ModuleProfiler(network);
        using var mode = inference_mode();
        for (var i = 0; i < WarmupPasses + Passes; i++)
        {
            if (i == WarmupPasses)
            {
                profiler.Reset();
            }
            using var y = network.Predict(x, t);
        }
        Console.WriteLine($"{preset}, input [{string.Join(", ", shape)}], {get_num_threads()} threads, {Passes} passes after {WarmupPasses} warm-up passes.");
        Console.WriteLine(profiler.Table(Passes, flops));
    }
}
