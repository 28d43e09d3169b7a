using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>What an <c>.npy</c> header declares (NumPy format versions 1.0, 2.0 and 3.0).</summary>
/// <param name="MajorVersion">Format major version, 1 … 3.</param>
/// <param name="DType">Element type.</param>
/// <param name="BigEndian">Whether multi-byte elements are stored big-endian (<c>'&gt;'</c>).</param>
/// <param name="FortranOrder">Whether the data is column-major.</param>
/// <param name="Shape">Array shape (empty for a 0-d array); dimensions may be 0.</param>
/// <param name="DataOffset">Byte offset of the data from the start of the file (a multiple of 16, 64 for files NumPy writes).</param>
public sealed record NpyHeader(int MajorVersion, ScalarType DType, bool BigEndian, bool FortranOrder, long[] Shape, long DataOffset)
{
    /// <summary>Bytes of element data the header declares.</summary>
    public long DataLength => TensorBytes.ByteCount(Shape, TensorBytes.ElementSize(DType));
}
