using TorchSharp;
using TorchSharp.Modules;
using VideoDiffusion.Data;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoDiffusion.Metrics;

/// <summary>
/// A small CNN that classifies single frames of a labelled dataset (the shape kind of <see cref="BouncingShapes"/>,
/// the digit of <see cref="MovingMnist"/>), trained by the library in seconds, as a feature network for clips of that
/// dataset: whether a clip keeps its label across frames (<see cref="Evaluate"/>), and Frechet distances between
/// generated and real clips of per-frame features (<see cref="FrameFeatures"/>) and per-clip features
/// (<see cref="Extract"/>). This is a Frechet distance on a dataset-specific feature network, not FVD: numbers compare
/// only for the same dataset and the same classifier options.
/// </summary>
/// <remarks>
/// Network: three 3x3 convolutions (<c>Width</c>, <c>2 Width</c> stride 2, <c>FeatureSize</c> stride 2) with SiLU, global
/// max pooling to the D-dimensional frame feature (a small object on a plain background would vanish in an average), and a linear layer to the class logits. Training: Adam on the
/// cross-entropy of every frame of <c>ClipsPerStep</c> clips per step, clips drawn with a seeded generator, weights from
/// a seeded generator, so a seed fixes the classifier. Works on any device and floating dtype of the input (frames are
/// moved to the classifier's device and dtype).
/// </remarks>
public sealed class FrameClassifier : IVideoFeatureExtractor, IDisposable
{
    private readonly Network _network;

    private FrameClassifier(Network network, int numClasses, int channels, double validationAccuracy)
    {
        _network = network;
        NumClasses = numClasses;
        Channels = channels;
        ValidationAccuracy = validationAccuracy;
    }

    /// <summary>Number of classes K; predicted labels range over <c>[0, K)</c>.</summary>
    public int NumClasses { get; }

    /// <summary>Channels C of the frames the classifier was trained on.</summary>
    public int Channels { get; }

    /// <summary>Length D of a frame feature.</summary>
    public int FrameFeatureSize => _network.FeatureSize;

    /// <summary>Length of a clip feature, <c>2 D</c>: the mean and the standard deviation over frames of the frame features.</summary>
    public int FeatureSize => 2 * _network.FeatureSize;

    /// <summary>Fraction of frames of the held-out clips (the ones after the training draws) classified correctly after training.</summary>
    public double ValidationAccuracy { get; }

    /// <summary>Trains a classifier on the frames of <paramref name="dataset"/>'s clips.</summary>
    /// <param name="dataset">A labelled dataset (<c>NumClasses</c> &gt;= 2) with more clips than <c>ValidationClips</c>.</param>
    /// <param name="options">Network and training options; null = defaults.</param>
    /// <param name="cancellationToken">Checked every step.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataset"/> is null.</exception>
    /// <exception cref="ArgumentException">The dataset has fewer than 2 classes, or not more clips than the validation clips.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static FrameClassifier Train(IVideoDataset dataset, FrameClassifierOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new FrameClassifierOptions();
        options.Validate();
        if (dataset.NumClasses < 2)
        {
            throw new ArgumentException($"Expected a labelled dataset with at least 2 classes, got NumClasses = {dataset.NumClasses}.", nameof(dataset));
        }
        if (dataset.Count <= options.ValidationClips)
        {
            throw new ArgumentException($"Expected more than ValidationClips = {options.ValidationClips} clips, got {dataset.Count}.", nameof(dataset));
        }
        TorchBackend.EnsureAvailable();
        var trainClips = dataset.Count - options.ValidationClips;
        long channels;
        using (var first = dataset.Get(0))
        {
            channels = first.Clip.shape[0];
        }
        using var generator = new Generator((ulong)options.Seed, CPU);
        var network = new Network((int)channels, options.Width, options.FeatureSize, dataset.NumClasses, generator);
        try
        {
            using var optimizer = optim.Adam(network.parameters(), options.LearningRate);
            var draw = new Random(unchecked((int)(options.Seed ^ 0x5EED)));
            network.train();
            for (var step = 0; step < options.Steps; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var indices = Enumerable.Range(0, options.ClipsPerStep).Select(_ => draw.Next(trainClips)).ToArray();
                var (frames, labels) = Frames(dataset, indices);
                optimizer.zero_grad();
                var loss = F.cross_entropy(network.call(frames).Logits, labels);
                loss.backward();
                optimizer.step();
            }
            network.eval();
            var validation = Enumerable.Range(trainClips, options.ValidationClips).ToArray();
            double correct = 0, total = 0;
            foreach (var chunk in validation.Chunk(16))
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var (frames, labels) = Frames(dataset, chunk);
                correct += network.call(frames).Logits.argmax(1).eq(labels).sum().item<long>();
                total += labels.shape[0];
            }
            return new FrameClassifier(network, dataset.NumClasses, (int)channels, correct / total);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>Per-frame features <c>[B, T, D]</c> (float32, on the classifier's device) of a model-space batch <c>[B, C, T, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">Not a floating-point <c>[B, C, T, H, W]</c> batch with the classifier's channel count.</exception>
    public Tensor FrameFeatures(Tensor videos)
    {
        using var scope = NewDisposeScope();
        return Run(videos).Features.MoveToOuterDisposeScope();
    }

    /// <summary>Per-frame predicted labels <c>[B, T]</c> int64 of a model-space batch <c>[B, C, T, H, W]</c>.</summary>
    /// <exception cref="ArgumentException">Not a floating-point <c>[B, C, T, H, W]</c> batch with the classifier's channel count.</exception>
    public Tensor PredictFrames(Tensor videos)
    {
        using var scope = NewDisposeScope();
        return Run(videos).Logits.argmax(2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per-clip features <c>[B, 2D]</c>: the mean and the standard deviation (population) over frames of the frame
    /// features, so a clip whose frames disagree differs from one whose frames agree.
    /// </summary>
    /// <exception cref="ArgumentException">Not a floating-point <c>[B, C, T, H, W]</c> batch with the classifier's channel count.</exception>
    public Tensor Extract(Tensor videos)
    {
        using var scope = NewDisposeScope();
        var features = Run(videos).Features;
        var (std, mean) = std_mean(features, [1], unbiased: false);
        return cat([mean, std], 1).MoveToOuterDisposeScope();
    }

    /// <summary>How well the clips keep one label, and how often it is the requested one.</summary>
    /// <param name="videos">Model-space batch <c>[B, C, T, H, W]</c>.</param>
    /// <param name="requestedLabels">The label each clip was generated for (length B), or null.</param>
    /// <exception cref="ArgumentException">Wrong shape, or <paramref name="requestedLabels"/> of another length than B.</exception>
    public LabelConsistency Evaluate(Tensor videos, IReadOnlyList<long>? requestedLabels = null)
    {
        using var predicted = PredictFrames(videos);
        var (b, t) = ((int)predicted.shape[0], (int)predicted.shape[1]);
        if (requestedLabels is not null && requestedLabels.Count != b)
        {
            throw new ArgumentException($"Expected {b} requested labels (one per clip), got {requestedLabels.Count}.", nameof(requestedLabels));
        }
        using var onCpu = predicted.cpu();
        var labels = onCpu.data<long>().ToArray();
        var majority = new long[b];
        long kept = 0;
        for (var i = 0; i < b; i++)
        {
            var clip = labels.AsSpan(i * t, t).ToArray();
            majority[i] = clip.GroupBy(l => l).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
            kept += clip.Count(l => l == majority[i]);
        }
        var accuracy = requestedLabels is null ? double.NaN : majority.Where((m, i) => m == requestedLabels[i]).Count() / (double)b;
        return new LabelConsistency(kept / (double)(b * t), accuracy, majority);
    }

    /// <summary>Frees the network's parameters.</summary>
    public void Dispose() => _network.Dispose();

    private (Tensor Features, Tensor Logits) Run(Tensor videos)
    {
        ArgumentNullException.ThrowIfNull(videos);
        Internal.Shapes.RequireVideoBatch(videos, nameof(videos));
        Internal.Shapes.RequireFloating(videos, nameof(videos));
        if (videos.shape[1] != Channels)
        {
            throw new ArgumentException($"Expected {Channels} channels in [B, C, T, H, W], got shape {Internal.Shapes.Format(videos)}.", nameof(videos));
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (b, c, t, h, w) = (videos.shape[0], videos.shape[1], videos.shape[2], videos.shape[3], videos.shape[4]);
        var weight = _network.parameters().First();
        var frames = videos.detach().to(weight.dtype, weight.device).permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w);
        var (features, logits) = _network.call(frames);
        return (features.view(b, t, -1).MoveToOuterDisposeScope(), logits.view(b, t, -1).MoveToOuterDisposeScope());
    }

    /// <summary>Every frame of the given clips as a batch <c>[N*T, C, H, W]</c> with their clips' labels <c>[N*T]</c>.</summary>
    private static (Tensor Frames, Tensor Labels) Frames(IVideoDataset dataset, IReadOnlyList<int> indices)
    {
        var clips = new List<Tensor>(indices.Count);
        var labels = new List<long>();
        foreach (var i in indices)
        {
            var example = dataset.Get(i);
            var label = example.Label ?? throw new InvalidOperationException($"Clip {i} of {dataset.Description} has no label.");
            var t = example.Clip.shape[1];
            clips.Add(example.Clip.permute(1, 0, 2, 3));
            labels.AddRange(Enumerable.Repeat(label, (int)t));
        }
        return (cat(clips, 0), tensor(labels.ToArray()));
    }

    /// <summary>The CNN: frames <c>[N, C, H, W]</c> to (features <c>[N, D]</c>, logits <c>[N, K]</c>).</summary>
    private sealed class Network : nn.Module<Tensor, (Tensor Features, Tensor Logits)>
    {
        private readonly Conv2d conv1;
        private readonly Conv2d conv2;
        private readonly Conv2d conv3;
        private readonly Linear head;

        public Network(int channels, int width, int featureSize, int classes, Generator generator) : base(nameof(FrameClassifier))
        {
            conv1 = nn.Conv2d(channels, width, 3, padding: 1);
            conv2 = nn.Conv2d(width, 2L * width, 3, stride: 2, padding: 1);
            conv3 = nn.Conv2d(2L * width, featureSize, 3, stride: 2, padding: 1);
            head = nn.Linear(featureSize, classes);
            RegisterComponents();
            FeatureSize = featureSize;
            // PyTorch's default ranges, drawn from the seeded generator instead of the global one.
            Predictors.SpaceTimeUNetInitializer.Initialize(this, generator);
        }

        public int FeatureSize { get; }

        public override (Tensor Features, Tensor Logits) forward(Tensor frames)
        {
            using var scope = NewDisposeScope();
            var h = F.silu(conv1.call(frames));
            h = F.silu(conv2.call(h));
            h = F.silu(conv3.call(h));
            var features = h.amax([2, 3]);
            var logits = head.call(features);
            return (features.MoveToOuterDisposeScope(), logits.MoveToOuterDisposeScope());
        }
    }
}
