using VideoDiffusion.Predictors;
using static TorchSharp.torch;

namespace VideoDiffusion.Benchmarks;

/// <summary>The networks the benchmarks run: presets by name, built from a fixed seed, in evaluation mode.</summary>
internal static class Networks
{
    /// <summary>The options of preset <paramref name="preset"/> (<c>Tiny</c>, <c>Small</c> or <c>Base</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Unknown preset.</exception>
    public static SpaceTimeUNetOptions Options(string preset) => preset switch
    {
        "Tiny" => KnownSpaceTimeUNets.Tiny,
        "Small" => KnownSpaceTimeUNets.Small,
        "Base" => KnownSpaceTimeUNets.Base,
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Expected Tiny, Small or Base."),
    };

    /// <summary>A freshly initialised network from a fixed seed, in evaluation mode.</summary>
    public static SpaceTimeUNet Build(SpaceTimeUNetOptions options)
    {
        using var generator = new Generator(1234, CPU);
        var network = new SpaceTimeUNet(options, generator);
        network.eval();
        return network;
    }
}
