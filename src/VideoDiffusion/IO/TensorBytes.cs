using System.Buffers.Binary;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace VideoDiffusion.IO;

/// <summary>
/// Moves raw element bytes between streams and CPU tensors in bounded chunks (so tensors above 2 GiB work and no
/// second full-size buffer is needed), with optional byte swapping and boolean validation. The host is assumed
/// little-endian (x64, arm64), as TorchSharp's native builds are.
/// </summary>
internal static class TensorBytes
{
    private const long ChunkBytes = 1L << 24;

    /// <summary>Bytes per element of the dtypes the file formats here store.</summary>
    public static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Bool or ScalarType.Byte or ScalarType.Int8 => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => throw new ArgumentException($"dtype {dtype} is not stored by these formats.", nameof(dtype)),
    };

    /// <summary>The most bytes a shape may span (zeros counted as 1), so libtorch's strides and sizes cannot overflow.</summary>
    public const long MaxBytes = 1L << 62;

    /// <summary>
    /// <c>product(shape) * elementSize</c>, or -1 when a dimension is negative or when the product of every dimension
    /// with zeros counted as 1, times <paramref name="elementSize"/>, exceeds 2^62. A zero dimension does not excuse
    /// huge others: <c>[0, 2^62, 2^62]</c> holds no data, but libtorch's stride calculation for it overflows.
    /// </summary>
    public static long ByteCount(ReadOnlySpan<long> shape, int elementSize)
    {
        long span = elementSize;
        var empty = false;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                return -1;
            }
            if (d == 0)
            {
                empty = true;
                continue;
            }
            if (span > MaxBytes / d)
            {
                return -1;
            }
            span *= d;
        }
        return empty ? 0 : span;
    }

    /// <summary>
    /// Fills a fresh contiguous CPU tensor from <paramref name="stream"/>. The caller has already checked that the stream
    /// holds the bytes (so the allocation is one the file permits).
    /// </summary>
    /// <exception cref="InvalidDataException">The stream ends early, or a boolean byte is neither 0 nor 1.</exception>
    public static void Fill(Tensor tensor, Stream stream, bool swapBytes, string format, long offset)
    {
        var elementSize = ElementSize(tensor.dtype);
        var total = tensor.numel();
        if (total == 0)
        {
            return;
        }
        using var flat = tensor.view(-1);
        var chunk = Math.Max(1, ChunkBytes / elementSize);
        for (long start = 0; start < total; start += chunk)
        {
            var count = Math.Min(chunk, total - start);
            using var part = flat.narrow(0, start, count);
            var span = part.bytes;
            var read = stream.ReadAtLeast(span, span.Length, throwOnEndOfStream: false);
            if (read < span.Length)
            {
                throw Corrupt.At(format, offset + start * elementSize + read, $"the data ends {total * elementSize - start * elementSize - read} byte(s) early");
            }
            if (swapBytes)
            {
                Swap(span, elementSize);
            }
            if (tensor.dtype == ScalarType.Bool)
            {
                var bad = span.IndexOfAnyExcept((byte)0, (byte)1);
                if (bad >= 0)
                {
                    throw Corrupt.At(format, offset + start + bad, $"boolean byte {span[bad]} is neither 0 nor 1");
                }
            }
        }
    }

    /// <summary>Writes the elements of <paramref name="tensor"/> (moved to the CPU, made contiguous) to <paramref name="stream"/>, optionally byte-swapped.</summary>
    public static void Write(Tensor tensor, Stream stream, bool swapBytes = false)
    {
        // detach(), cpu() and contiguous() each make a native handle; the scope frees them all.
        using var scope = NewDisposeScope();
        var host = tensor.detach().cpu().contiguous();
        var total = host.numel();
        if (total == 0)
        {
            return;
        }
        var elementSize = ElementSize(host.dtype);
        using var flat = host.view(-1);
        var chunk = Math.Max(1, ChunkBytes / elementSize);
        byte[]? scratch = swapBytes ? new byte[Math.Min(chunk, total) * elementSize] : null;
        for (long start = 0; start < total; start += chunk)
        {
            var count = Math.Min(chunk, total - start);
            using var part = flat.narrow(0, start, count);
            var span = part.bytes;
            if (scratch is null)
            {
                stream.Write(span);
            }
            else
            {
                var copy = scratch.AsSpan(0, span.Length);
                span.CopyTo(copy);
                Swap(copy, elementSize);
                stream.Write(copy);
            }
        }
    }

    /// <summary>Reverses the byte order of each element in place.</summary>
    public static void Swap(Span<byte> span, int elementSize)
    {
        switch (elementSize)
        {
            case 2:
                var u16 = MemoryMarshal.Cast<byte, ushort>(span);
                BinaryPrimitives.ReverseEndianness(u16, u16);
                break;
            case 4:
                var u32 = MemoryMarshal.Cast<byte, uint>(span);
                BinaryPrimitives.ReverseEndianness(u32, u32);
                break;
            case 8:
                var u64 = MemoryMarshal.Cast<byte, ulong>(span);
                BinaryPrimitives.ReverseEndianness(u64, u64);
                break;
        }
    }
}
