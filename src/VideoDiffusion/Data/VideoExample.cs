using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>One clip of a dataset and its optional class label. The receiver owns (and disposes) the tensor.</summary>
/// <param name="Clip">The clip <c>[C, T, H, W]</c> in model space <c>[-1, 1]</c>.</param>
/// <param name="Label">The class label in <c>[0, NumClasses)</c>, or null for unlabelled data.</param>
public sealed record VideoExample(Tensor Clip, long? Label = null) : IDisposable
{
    /// <summary>Disposes the clip.</summary>
    public void Dispose() => Clip.Dispose();
}
