using VideoDiffusion.Predictors;
using VideoDiffusion.Tests.TestSupport;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Tests.Predictors;

/// <summary>The U-Net's blocks against direct reference computations (float64, tolerance 1e-10).</summary>
public class SpaceTimeBlocksTests
{
    private const double Tolerance = 1e-10;

    [Fact]
    public void TemporalConvolution_RandomWeights_EqualsResidualConv3d()
    {
        using var layer = new TemporalConvolution(5);
        RandomizeAll(layer, seed: 1);
        using var scope = NewDisposeScope();
        var (b, t, h, w) = (2L, 4L, 3L, 2L);
        var video = Normal([b, 5, t, h, w], seed: 2, ScalarType.Float64);
        var weight = layer.named_parameters().First(p => p.name == "weight").parameter;
        var bias = layer.named_parameters().First(p => p.name == "bias").parameter;

        var tokens = layer.call(SpaceTimeLayout.ToTimeTokens(SpaceTimeLayout.ToFrames(video), t));
        var actual = SpaceTimeLayout.ToVideos(SpaceTimeLayout.FromTimeTokens(tokens, h, w), b);
        var expected = video + F.conv3d(video, weight, bias, padding: [1, 0, 0]);

        weight.shape.Should().Equal(5, 5, 3, 1, 1);
        Tensors.MaxAbsDiff(actual, expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void TemporalConvolution_SingleFrame_AppliesOnlyTheCentreTap()
    {
        using var layer = new TemporalConvolution(3);
        RandomizeAll(layer, seed: 3);
        using var scope = NewDisposeScope();
        var video = Normal([1, 3, 1, 2, 2], seed: 4, ScalarType.Float64);
        var weight = layer.named_parameters().First(p => p.name == "weight").parameter;
        var bias = layer.named_parameters().First(p => p.name == "bias").parameter;

        var tokens = layer.call(SpaceTimeLayout.ToTimeTokens(SpaceTimeLayout.ToFrames(video), 1));
        var expected = video + F.conv3d(video, weight, bias, padding: [1, 0, 0]);

        Tensors.MaxAbsDiff(SpaceTimeLayout.ToVideos(SpaceTimeLayout.FromTimeTokens(tokens, 2, 2), 1), expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void TemporalAttention_RandomWeights_EqualsNaiveSoftmaxAttentionWithBias()
    {
        const int channels = 8, heads = 2, buckets = 8;
        using var layer = new TemporalAttention(channels, heads, buckets);
        RandomizeAll(layer, seed: 5, skip: "norm");
        using var scope = NewDisposeScope();
        var (t, pixels) = (5L, 6L);
        var x = Normal([t, pixels, channels], seed: 6, ScalarType.Float64);
        var step = Step(t, batch: 1, relative: RelativePositionBuckets.Table(t, buckets, 16, CPU));

        var actual = layer.call(x, step);

        // Reference: per pixel p and head h, softmax_j(q_i . k_j / sqrt(d) + E[bucket(j - i), h]) v_j.
        var p = Params(layer);
        var normed = F.layer_norm(x, [channels]);
        var (q, k, v) = (normed.matmul(p["to_q.weight"].t()), normed.matmul(p["to_k.weight"].t()), normed.matmul(p["to_v.weight"].t()));
        var d = channels / heads;
        var outputs = new List<Tensor>();
        for (var head = 0; head < heads; head++)
        {
            var cols = TensorIndex.Slice(head * d, (head + 1) * d);
            var (qh, kh, vh) = (q[.., .., cols].transpose(0, 1), k[.., .., cols].transpose(0, 1), v[.., .., cols].transpose(0, 1));
            var bias = zeros([t, t], ScalarType.Float64);
            for (var i = 0; i < t; i++)
            {
                for (var j = 0; j < t; j++)
                {
                    bias[i, j] = p["relative_position_bias.weight"][RelativePositionBuckets.Of(j - i, buckets, 16), head];
                }
            }
            var scores = qh.matmul(kh.transpose(1, 2)).div(Math.Sqrt(d)) + bias;
            outputs.Add(F.softmax(scores, -1).matmul(vh).transpose(0, 1));   // [T, P, d]
        }
        var expected = x + cat(outputs, -1).matmul(p["to_out.weight"].t()) + p["to_out.bias"];

        Tensors.MaxAbsDiff(actual, expected).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void SpatialAttention_SelfAndCross_EqualNaiveSoftmaxAttention()
    {
        const int channels = 6, heads = 3, contextDim = 4;
        using var self = new SpatialAttention(channels, heads);
        using var cross = new SpatialAttention(channels, heads, contextDim);
        RandomizeAll(self, seed: 7, skip: "norm");
        RandomizeAll(cross, seed: 8, skip: "norm");
        using var scope = NewDisposeScope();
        var (t, b, length) = (3L, 2L, 5L);
        var x = Normal([t * b, length, channels], seed: 9, ScalarType.Float64);
        var context = Normal([b, 7, contextDim], seed: 10, ScalarType.Float64);
        var step = Step(t, b, context: context);

        var actualSelf = self.call(x, step);
        var actualCross = cross.call(x, step);

        // Reference for cross-attention: frame n of the folded batch belongs to video n % B.
        var perFrame = context.unsqueeze(0).expand(t, b, 7, contextDim).reshape(t * b, 7, contextDim);
        Tensors.MaxAbsDiff(actualSelf, NaiveAttention(Params(self), x, F.layer_norm(x, [channels]), heads)).Should().BeLessThan(Tolerance);
        Tensors.MaxAbsDiff(actualCross, NaiveAttention(Params(cross), x, perFrame, heads)).Should().BeLessThan(Tolerance);
    }

    [Fact]
    public void JointAttention_RandomWeights_EqualsNaiveSoftmaxAttentionOverAllTokensOfEachClip()
    {
        const int channels = 6, heads = 2;
        using var layer = new JointAttention(channels, heads);
        RandomizeAll(layer, seed: 21, skip: "norm");
        using var scope = NewDisposeScope();
        var (t, b, positions) = (3L, 2L, 4L);
        var x = Normal([t * b, positions, channels], seed: 22, ScalarType.Float64);

        var actual = layer.call(x, Step(t, b));

        // Reference: frame n of the folded batch is frame n / B of video n % B; each video's T*HW tokens form one
        // sequence, attended as a whole, and go back to their frames.
        var clips = stack(Enumerable.Range(0, (int)b).Select(video =>
            cat(Enumerable.Range(0, (int)t).Select(frame => x[frame * b + video]).ToArray(), 0)).ToArray());
        var attended = NaiveAttention(Params(layer), clips, F.layer_norm(clips, [channels]), heads);
        var expected = stack(Enumerable.Range(0, (int)(t * b)).Select(n =>
            attended[n % b, TensorIndex.Slice(n / b * positions, (n / b + 1) * positions)]).ToArray());
        Tensors.MaxAbsDiff(actual, expected).Should().BeLessThan(Tolerance);
        // Every output token depends on tokens of other frames at other positions of its own clip, never on another clip.
        var moved = x.clone();
        moved[1 * b + 0, positions - 1] = Normal([channels], seed: 23, ScalarType.Float64);
        var changed = layer.call(moved, Step(t, b)).sub(actual).abs().amax([1, 2]);   // per folded frame
        changed[0 * b + 0].item<double>().Should().BeGreaterThan(1e-6, "frame 0 of video 0 sees frame 1 of video 0");
        changed[0 * b + 1].item<double>().Should().Be(0.0, "video 1 never sees video 0");
    }

    [Fact]
    public void JointAttention_FreshLayer_IsTheIdentity()
    {
        using var layer = new JointAttention(8, 2);
        using var scope = NewDisposeScope();
        var x = Normal([6, 5, 8], seed: 24);

        Tensors.MaxAbsDiff(layer.call(x, Step(3, 2)), x).Should().Be(0.0, "the output projection starts at zero");
    }

    [Fact]
    public void RelativePositionBuckets_T5Bidirectional32Buckets_MatchTheT5Formula()
    {
        // n = 32, max distance 128: 16 buckets per sign, exact below 8, then 8 + floor(ln(n/8) / ln(16) * 8), at most 15.
        var expected = new Dictionary<long, long>
        {
            [0] = 0, [-1] = 1, [-7] = 7, [-8] = 8, [-20] = 10, [-127] = 15, [-128] = 15, [-1000] = 15,
            [1] = 17, [7] = 23, [8] = 24, [20] = 26, [200] = 31,
        };

        foreach (var (distance, bucket) in expected)
        {
            RelativePositionBuckets.Of(distance, 32, 128).Should().Be(bucket, $"distance {distance}");
        }
        using var table = RelativePositionBuckets.Table(3, 32, 128, CPU);
        table.data<long>().ToArray().Should().Equal(0, 17, 18, 1, 0, 17, 2, 1, 0);
    }

    [Fact]
    public void Blocks_KeepTheChannelsLastLayout_AndTokenViewsShareMemory()
    {
        var options = Micro;
        using var res = new SpaceTimeResBlock(16, 32, options);
        using var attention = SpaceTimeAttentionBlock.Create(32, spatial: true, joint: true, options)!;
        RandomizeAll(res, seed: 11);
        RandomizeAll(attention, seed: 12);
        using var scope = NewDisposeScope();
        var (t, b, h, w) = (3L, 2L, 4L, 6L);
        var frames = SpaceTimeLayout.ToFrames(Normal([b, 16, t, h, w], seed: 13, ScalarType.Float64));
        var step = Step(t, b, embedding: Normal([b, options.EmbeddingChannels], seed: 14, ScalarType.Float64),
            relative: RelativePositionBuckets.Table(t, options.RelativePositionBuckets, options.RelativePositionMaxDistance, CPU),
            context: Normal([b, 2, 6], seed: 15, ScalarType.Float64));

        foreach (var inference in new[] { false, true })
        {
            using var mode = inference_mode(inference);
            var y = attention.call(res.call(frames, step), step);

            y.shape.Should().Equal(t * b, 32, h, w);
            y.stride().Should().Equal(h * w * 32, 1, w * 32, 32);
            using (no_grad())
            {
                // Writes through the token views land in y: they are views, not copies.
                SpaceTimeLayout.ToFrameTokens(y)[0, 0, 1].fill_(123.0);
                SpaceTimeLayout.ToTimeTokens(y, t)[1, 0, 2].fill_(-321.0);   // frame 1 of video 0 = folded frame B
            }
            y[0, 1, 0, 0].item<double>().Should().Be(123.0);
            y[b, 2, 0, 0].item<double>().Should().Be(-321.0);
        }
    }

    private static SpaceTimeStep Step(long frames, long batch, Tensor? embedding = null, Tensor? relative = null, Tensor? context = null) => new()
    {
        Frames = frames,
        Batch = batch,
        Embedding = embedding ?? zeros(batch, 1),
        RelativePositions = relative,
        Context = context,
    };

    private static Tensor NaiveAttention(Dictionary<string, Tensor> p, Tensor x, Tensor source, int heads)
    {
        var normed = F.layer_norm(x, [x.shape[2]]);
        var (q, k, v) = (normed.matmul(p["to_q.weight"].t()), source.matmul(p["to_k.weight"].t()), source.matmul(p["to_v.weight"].t()));
        var d = x.shape[2] / heads;
        var outputs = new List<Tensor>();
        for (var head = 0; head < heads; head++)
        {
            var cols = TensorIndex.Slice(head * d, (head + 1) * d);
            var scores = q[.., .., cols].matmul(k[.., .., cols].transpose(1, 2)).div(Math.Sqrt(d));
            outputs.Add(F.softmax(scores, -1).matmul(v[.., .., cols]));
        }
        return x + cat(outputs, -1).matmul(p["to_out.weight"].t()) + p["to_out.bias"];
    }

    private static Dictionary<string, Tensor> Params(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);

    private static void RandomizeAll(nn.Module module, long seed, string? skip = null)
    {
        module.to(ScalarType.Float64);
        var generator = Tensors.Seeded(seed);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in module.named_parameters())
        {
            if (skip is null || !name.StartsWith(skip, StringComparison.Ordinal))
            {
                parameter.normal_(0.0, 0.3, generator);
            }
        }
    }
}
