using TorchSharp;
using static TorchSharp.torch;

namespace VideoDiffusion.Predictors;

/// <summary>
/// Bucketed relative positions for the temporal attention bias (Raffel et al. 2020, T5, §2.1; used for video frames
/// by Ho et al. 2022): the signed frame distance <c>r = key - query</c> goes to one of <c>n</c> buckets, half per
/// direction; distances below <c>n / 4</c> get a bucket each, larger ones share logarithmically spaced buckets up to
/// <c>maxDistance</c>, beyond which they all share the last bucket of their direction.
/// </summary>
internal static class RelativePositionBuckets
{
    /// <summary>The bucket of signed distance <paramref name="distance"/> among <paramref name="buckets"/> buckets.</summary>
    public static long Of(long distance, int buckets, int maxDistance)
    {
        var half = buckets / 2;
        var offset = distance > 0 ? half : 0;
        var n = Math.Abs(distance);
        var maxExact = half / 2;
        if (n < maxExact)
        {
            return offset + n;
        }
        var large = half - 1L;
        if (maxDistance > maxExact)
        {
            var scaled = Math.Log((double)n / maxExact) / Math.Log((double)maxDistance / maxExact) * (half - maxExact);
            large = Math.Min(maxExact + (long)scaled, half - 1L);
        }
        return offset + large;
    }

    /// <summary>The bucket of every (query frame i, key frame j) pair, <c>[T, T]</c> int64 on <paramref name="device"/>.</summary>
    public static Tensor Table(long frames, int buckets, int maxDistance, Device device)
    {
        var table = new long[frames * frames];
        for (long i = 0; i < frames; i++)
        {
            for (long j = 0; j < frames; j++)
            {
                table[i * frames + j] = Of(j - i, buckets, maxDistance);
            }
        }
        return torch.tensor(table, [frames, frames], device: device);
    }
}
