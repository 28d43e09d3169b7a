using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">Tensor name (for module weights: the parameter path, e.g. <c>blocks.0.conv.weight</c>).</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Shape; dimensions may be 0.</param>
/// <param name="Begin">First byte of the data, relative to the start of the data buffer.</param>
/// <param name="End">One past the last byte, relative to the start of the data buffer.</param>
public sealed record SafeTensorInfo(string Name, ScalarType DType, long[] Shape, long Begin, long End);

/// <summary>A parsed and validated safetensors header.</summary>
/// <param name="Tensors">Entries in the order of their data.</param>
/// <param name="Metadata">The <c>__metadata__</c> string map (empty when absent).</param>
/// <param name="DataOffset">File offset of the data buffer: 8 + header length.</param>
public sealed record SafeTensorsHeader(IReadOnlyList<SafeTensorInfo> Tensors, IReadOnlyDictionary<string, string> Metadata, long DataOffset);
