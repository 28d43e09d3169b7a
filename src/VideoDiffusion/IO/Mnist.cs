using VideoDiffusion.Internal;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// The MNIST digit files (<c>train-images-idx3-ubyte[.gz]</c>, <c>train-labels-idx1-ubyte[.gz]</c>, …) read through
/// <see cref="Idx"/>: the source of the Moving-MNIST dataset.
/// </summary>
public static class Mnist
{
    /// <summary>Reads an image file: uint8 <c>[N, H, W]</c> (28 x 28 for MNIST), 0 = background.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file of uint8 with 3 dimensions.</exception>
    public static Tensor ReadImages(string path)
    {
        var tensor = Idx.Read(path);
        if (tensor.dtype != ScalarType.Byte || tensor.dim() != 3)
        {
            var found = $"{tensor.dtype} {Shapes.Format(tensor)}";
            tensor.Dispose();
            throw new InvalidDataException($"IDX: '{path}' holds {found}, expected uint8 images [N, H, W] (at byte offset 2).");
        }
        return tensor;
    }

    /// <summary>Reads a label file as int64 <c>[N]</c> (digits 0 … 9 for MNIST).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file of uint8 with 1 dimension.</exception>
    public static Tensor ReadLabels(string path)
    {
        using var tensor = Idx.Read(path);
        if (tensor.dtype != ScalarType.Byte || tensor.dim() != 1)
        {
            throw new InvalidDataException($"IDX: '{path}' holds {tensor.dtype} {Shapes.Format(tensor)}, expected uint8 labels [N] (at byte offset 2).");
        }
        return tensor.to(ScalarType.Int64);
    }
}
