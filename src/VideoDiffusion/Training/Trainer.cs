using System.Diagnostics;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using VideoDiffusion.Data;
using VideoDiffusion.Diffusion;
using VideoDiffusion.Internal;
using VideoDiffusion.Losses;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// Trains a noise predictor on a video dataset (Ho et al. 2020, Algorithm 1, with the options of
/// <see cref="TrainerOptions"/>): per step, draw timesteps and noise from the run's seeded generator, noise the batch
/// (<see cref="ForwardProcess"/>), predict, compute the loss, back-propagate (accumulating over micro-batches), clip the
/// global gradient norm, take an AdamW step at the scheduled learning rate and update the EMA. A step whose loss or
/// gradients are not finite is skipped and counted. Checkpoints hold everything needed to continue the run exactly:
/// on the CPU a run resumed from a checkpoint ends with the same weights, bit for bit, as one that never stopped.
/// </summary>
/// <remarks>
/// Build the trainer after moving the network to its device and freezing what should not train: the optimizer sees the
/// parameters that have <c>requires_grad</c> at construction. Each step runs in its own dispose scope. Not thread-safe;
/// one <see cref="Train"/> at a time.
/// </remarks>
public sealed class Trainer : IDisposable
{
    private const double InitialLossScale = 65536;
    private const int LossScaleGrowthInterval = 2000;

    private readonly nn.Module _module;
    private readonly TrainableWeights _weights;
    private readonly List<Parameter> _optimizedParameters;
    private readonly AdamW _optimizer;
    private readonly Generator _generator;
    private readonly VideoDataLoader _loader;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private LoaderPosition _position;
    private int _consecutiveNonFinite;
    private double _lossScale = 1.0;
    private int _lossScaleCleanSteps;
    private int _running;
    private readonly UseGate _gate = new();
    private volatile bool _disposed;
    private bool _shapeChecked;

    /// <summary>Creates a trainer.</summary>
    /// <param name="predictor">The network; must be a TorchSharp module. Its trainable parameters are optimized in place.</param>
    /// <param name="schedule">The noise schedule.</param>
    /// <param name="dataset">The training clips (<c>[C, T, H, W]</c>, C = the predictor's InChannels).</param>
    /// <param name="options">Run options; null = defaults.</param>
    /// <exception cref="ArgumentException">The predictor is not a module or has no trainable parameters, or the dataset has fewer clips than a batch.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public Trainer(INoisePredictor predictor, INoiseSchedule schedule, IVideoDataset dataset, TrainerOptions? options = null)
        : this(predictor, schedule, dataset, options, SafeTensorsTensorFile.Instance, allowMixedPrecisionOnCpu: false)
    {
    }

    internal Trainer(INoisePredictor predictor, INoiseSchedule schedule, IVideoDataset dataset, TrainerOptions? options,
        ITensorFileFormat weightFormat, bool allowMixedPrecisionOnCpu)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(dataset);
        options ??= new TrainerOptions();
        options.Validate();
        TorchBackend.EnsureAvailable();
        _module = predictor as nn.Module ?? throw new ArgumentException(
            $"The predictor must be a TorchSharp module to be trained; got {predictor.GetType().Name}.", nameof(predictor));
        Predictor = predictor;
        Schedule = schedule;
        Dataset = dataset;
        Options = options;
        WeightFormat = weightFormat;
        var first = _module.parameters().FirstOrDefault()
            ?? throw new ArgumentException("The predictor has no parameters.", nameof(predictor));
        _device = first.device;
        _dtype = first.dtype;
        var computeType = options.MixedPrecision switch
        {
            MixedPrecision.BFloat16 => ScalarType.BFloat16,
            MixedPrecision.Float16 => ScalarType.Float16,
            _ => (ScalarType?)null,
        };
        if (_device.type != DeviceType.CUDA && !allowMixedPrecisionOnCpu)
        {
            computeType = null;
        }
        // The loader holds no tensors: build it first, so a dataset that does not fit fails before anything is allocated.
        _loader = new VideoDataLoader(dataset, new VideoDataLoaderOptions
        {
            BatchSize = options.BatchSize,
            Shuffle = true,
            DropLast = true,
            Seed = options.Seed,
            PrefetchBatches = options.PrefetchBatches,
            Augmentation = options.Augmentation,
        });
        _weights = new TrainableWeights(_module, computeType);
        try
        {
            if (computeType == ScalarType.Float16)
            {
                _lossScale = InitialLossScale;
            }
            _optimizedParameters = _weights.Optimized.Select(p => p.Param).ToList();
            _optimizer = optim.AdamW(_optimizedParameters, options.LearningRate, options.Beta1, options.Beta2,
                options.AdamEpsilon, options.WeightDecay);
            Ema = options.EmaDecay is { } decay
                ? new ExponentialMovingAverage(_weights.Optimized.Select(p => (p.Name, (Tensor)p.Param)), decay, options.EmaWarmup)
                : null;
            _generator = new Generator((ulong)options.Seed, CPU);
        }
        catch
        {
            // Nobody can dispose a trainer whose constructor threw: release what was built so far.
            Ema?.Dispose();
            _optimizer?.Dispose();
            _weights.Dispose();
            throw;
        }
        if (options.RunDirectory is not null)
        {
            Store = new CheckpointStore(Path.Combine(options.RunDirectory, "checkpoints"), weightFormat);
        }
    }

    /// <summary>The network being trained.</summary>
    public INoisePredictor Predictor { get; }

    /// <summary>The noise schedule.</summary>
    public INoiseSchedule Schedule { get; }

    /// <summary>The training clips.</summary>
    public IVideoDataset Dataset { get; }

    /// <summary>The run options.</summary>
    public TrainerOptions Options { get; }

    /// <summary>The weight average, or null when <see cref="TrainerOptions.EmaDecay"/> is null.</summary>
    public ExponentialMovingAverage? Ema { get; }

    /// <summary>Steps done (including skipped ones).</summary>
    public long Step { get; private set; }

    /// <summary>Steps skipped because the loss or the gradients were not finite.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>Where the data stream continues.</summary>
    public LoaderPosition DataPosition => _position;

    /// <summary>Names of the parameters being optimized.</summary>
    public IReadOnlyList<string> TrainableParameterNames => _weights.Names;

    /// <summary>The newest checkpoint written or loaded, or null.</summary>
    public string? LastCheckpoint { get; private set; }

    /// <summary>The path of the metrics log, or null without a run directory.</summary>
    public string? MetricsPath => Options.RunDirectory is null ? null : Path.Combine(Options.RunDirectory, MetricsLog.FileName);

    internal ITensorFileFormat WeightFormat { get; }

    internal CheckpointStore? Store { get; }

    /// <summary>
    /// Trains until <see cref="TrainerOptions.TotalSteps"/>, or for at most <paramref name="steps"/> more steps. Writes
    /// metrics, previews and checkpoints as configured, and a final checkpoint when <see cref="TrainerOptions.CheckpointAtEnd"/>.
    /// </summary>
    /// <param name="steps">Most steps to run in this call; null = until TotalSteps.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Checked before every step; the run stops at a step boundary (its state stays consistent, so <see cref="SaveCheckpoint"/> may follow).</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">Too many consecutive non-finite steps, a concurrent call, or disposed.</exception>
    /// <exception cref="ArgumentException">The data does not fit the predictor (channels or spatial size).</exception>
    public TrainingResult Train(long? steps = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (steps is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), steps, "Expected a number of steps >= 0.");
        }
        using var use = _gate.Enter(this);
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            throw new InvalidOperationException("Train is already running on this trainer.");
        }
        try
        {
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _gate.Disposing);
            return Run(steps, progress, cancellation.Token);
        }
        catch (OperationCanceledException e) when (_gate.IsReleased && !cancellationToken.IsCancellationRequested)
        {
            throw new ObjectDisposedException($"{nameof(Trainer)}: the trainer was disposed during the run (stopped at step {Step}).", e);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private TrainingResult Run(long? steps, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var target = Math.Min(Options.TotalSteps, steps is { } s ? Step + s : Options.TotalSteps);
        var losses = new List<double>();
        var start = Step;
        MetricsLog? metrics = null;
        try
        {
            metrics = Options.RunDirectory is null || Options.LogEvery == 0 ? null : new MetricsLog(Options.RunDirectory);
            _weights.Lower();
            _module.train();
            // The token is checked between steps only: a step, once begun, completes, so the run state stays consistent.
            using var batches = _loader.Batches(_position, CancellationToken.None).GetEnumerator();
            while (Step < target)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var report = RunStep(batches);
                losses.Add(report.Loss);
                progress?.Report(report);
                if (metrics is not null && Step % Options.LogEvery == 0)
                {
                    metrics.Write(report, watch.Elapsed.TotalSeconds);
                }
                if (Options.PreviewEvery > 0 && Options.Preview is not null && Step % Options.PreviewEvery == 0)
                {
                    RunPreview();
                }
                if (Store is not null && Options.CheckpointEvery > 0 && Step % Options.CheckpointEvery == 0)
                {
                    SaveCheckpoint();
                }
            }
            if (Store is not null && Options.CheckpointAtEnd && Step > start && !IsCheckpointed(Step))
            {
                SaveCheckpoint();
            }
        }
        finally
        {
            metrics?.Dispose();
            _weights.Raise();
        }
        return new TrainingResult(Step, Step - start, losses, SkippedSteps, LastCheckpoint, watch.Elapsed);
    }

    /// <summary>Runs <see cref="Train"/> on a thread-pool thread.</summary>
    public Task<TrainingResult> TrainAsync(long? steps = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Train(steps, progress, cancellationToken), cancellationToken);

    /// <summary>
    /// Swaps the averaged weights into the network until the returned object is disposed (for sampling); without EMA
    /// the training weights stay. Do not train meanwhile.
    /// </summary>
    public IDisposable UseEmaWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var use = _gate.Enter(this);
        return Ema is null ? NoOp.Instance : Ema.Apply(_module);
    }

    /// <summary>
    /// Writes a checkpoint of the current state into <c>&lt;RunDirectory&gt;/checkpoints/step-NNNNNNNN</c> atomically and
    /// prunes to the newest <see cref="TrainerOptions.KeepCheckpoints"/>.
    /// </summary>
    /// <returns>The checkpoint directory.</returns>
    /// <exception cref="InvalidOperationException">No run directory, or a weight is not finite (nothing is written).</exception>
    /// <exception cref="IOException">Writing failed; the previous checkpoints are untouched.</exception>
    public string SaveCheckpoint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var use = _gate.Enter(this);
        var store = Store ?? throw new InvalidOperationException("Set TrainerOptions.RunDirectory to write checkpoints.");
        var owned = new List<Tensor>();
        try
        {
            var model = _weights.State();
            var files = new List<(string, IReadOnlyList<KeyValuePair<string, Tensor>>)> { ("model", model) };
            if (Ema is not null)
            {
                files.Add(("ema", _weights.State(Ema.Shadows)));
            }
            files.Add(("optimizer", AdamWState.Export(_optimizer, _weights.Names, owned)));
            RequireFinite(files);
            LastCheckpoint = store.Save(Manifest(), files, Options.KeepCheckpoints);
            return LastCheckpoint;
        }
        finally
        {
            owned.ForEach(t => t.Dispose());
        }
    }

    /// <summary>
    /// Restores the run state from a checkpoint written by <see cref="SaveCheckpoint"/> (into a trainer built with the same
    /// network, data and options). Every file and every manifest field is validated before any state changes: when this
    /// throws, the weights, optimizer, EMA, counters, data position and generators are exactly as they were.
    /// </summary>
    /// <param name="directory">The checkpoint directory.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is missing, truncated or corrupt, or a manifest field is out of range or inconsistent with this run (the message names the file, the field, the expected and the actual value).</exception>
    /// <exception cref="InvalidOperationException">The checkpoint does not match the network (names or shapes), or lacks the EMA this run needs.</exception>
    public void LoadCheckpoint(string directory)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        using var use = _gate.Enter(this);
        if (Volatile.Read(ref _running) != 0)
        {
            throw new InvalidOperationException("Cannot load a checkpoint while Train is running.");
        }
        var (manifest, tensors) = CheckpointStore.Read(directory, WeightFormat);
        try
        {
            // 1. Validate everything; nothing below step 2 can fail on a checkpoint that passed.
            var where = Path.Combine(directory, CheckpointManifest.FileName);
            var generators = CheckpointChecks.Manifest(manifest, RunFacts(), where);
            var model = Role(tensors, "model", directory);
            var optimizer = Role(tensors, "optimizer", directory);
            var modelSource = Path.Combine(directory, "model" + WeightFormat.Extension);
            var optimizerSource = Path.Combine(directory, "optimizer" + WeightFormat.Extension);
            var targets = _weights.State();
            CheckpointChecks.Weights(targets, model, modelSource, "the model");
            AdamWState.Check(_optimizer, _weights.Names, optimizer, optimizerSource, manifest.Step - manifest.SkippedSteps);
            Dictionary<string, Tensor>? ema = null;
            if (Ema is not null)
            {
                ema = tensors.TryGetValue("ema", out var e) ? e : throw new InvalidOperationException(
                    $"Checkpoint '{directory}' has no EMA weights, but this run keeps an EMA (TrainerOptions.EmaDecay).");
                CheckpointChecks.Weights(targets, ema, Path.Combine(directory, "ema" + WeightFormat.Extension), "the model");
            }

            // 2. Apply.
            _weights.Load(model, modelSource);
            AdamWState.Import(_optimizer, _weights.Names, optimizer, optimizerSource);
            Ema?.Load(ema!, manifest.EmaUpdates);
            SetState(_generator, generators.Trainer, where);
            SetState(Generator.Default, generators.Global, where);
            Step = manifest.Step;
            SkippedSteps = manifest.SkippedSteps;
            _consecutiveNonFinite = manifest.ConsecutiveNonFinite;
            // Loss scaling exists only in float16 runs; a scale saved by one must not scale the gradients of another.
            var scaled = _weights.ComputeType == ScalarType.Float16;
            _lossScale = scaled ? manifest.LossScale : 1.0;
            _lossScaleCleanSteps = scaled ? manifest.LossScaleCleanSteps : 0;
            _position = new LoaderPosition(manifest.LoaderEpoch, manifest.LoaderBatch);
            LastCheckpoint = directory;
        }
        finally
        {
            CheckpointStore.Dispose(tensors);
        }
    }

    /// <summary>Loads the newest checkpoint of the run directory, if there is one.</summary>
    /// <returns>Whether a checkpoint was loaded.</returns>
    /// <exception cref="InvalidOperationException">No run directory.</exception>
    /// <exception cref="InvalidDataException">The newest checkpoint is damaged (older ones are not tried silently).</exception>
    /// <exception cref="IOException">A checkpoint moved aside by an interrupted save could not be moved back.</exception>
    public bool ResumeLatest()
    {
        var store = Store ?? throw new InvalidOperationException("Set TrainerOptions.RunDirectory to resume from its checkpoints.");
        // A save killed between its two renames leaves the only copy of its step moved aside: put it back first.
        store.Recover();
        var all = store.List();
        if (all.Count == 0)
        {
            return false;
        }
        LoadCheckpoint(all[^1].Path);
        return true;
    }

    /// <summary>
    /// Disposes the optimizer state, the EMA, the generator and (with mixed precision) the master weights; the network
    /// stays usable. A run or checkpoint in progress on another thread is cancelled at its next step boundary (it throws
    /// <see cref="ObjectDisposedException"/>) and awaited before anything is freed; called from a run's own progress
    /// callback, the run stops after the callback and frees the state itself. Idempotent.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _gate.Release(() =>
        {
            _weights.Dispose();
            _optimizer.Dispose();
            Ema?.Dispose();
            _generator.Dispose();
        });
    }

    private TrainingProgress RunStep(IEnumerator<VideoBatch> batches)
    {
        using var scope = NewDisposeScope();
        var watch = Stopwatch.StartNew();
        var lr = Options.LearningRate * Options.LearningRateSchedule.Factor(Step, Options.TotalSteps);
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }
        _optimizer.zero_grad();
        _weights.SyncToModel();
        double lossSum = 0;
        var finiteLoss = true;
        var samples = 0L;
        for (var micro = 0; micro < Options.GradientAccumulationSteps; micro++)
        {
            if (!batches.MoveNext())
            {
                throw new InvalidOperationException("The data stream ended unexpectedly.");
            }
            using var batch = batches.Current;
            _position = batch.Position.Next(_loader.BatchesPerEpoch);
            samples += batch.Videos.shape[0];
            var loss = MicroBatchLoss(batch).DivScalar(Options.GradientAccumulationSteps);
            var value = loss.to(ScalarType.Float64).item<double>();
            lossSum += value;
            if (!double.IsFinite(value))
            {
                finiteLoss = false;
                continue;
            }
            (_lossScale == 1.0 ? loss : loss.MulScalar(_lossScale)).backward();
        }
        _weights.CollectGradients(1.0 / _lossScale);
        var norm = finiteLoss ? nn.utils.clip_grad_norm_(_optimizedParameters, Options.MaxGradNorm ?? double.PositiveInfinity) : double.NaN;
        if (finiteLoss && double.IsFinite(norm))
        {
            _optimizer.step();
            Ema?.Update(_weights.Optimized.Select(p => (p.Name, (Tensor)p.Param)));
            _consecutiveNonFinite = 0;
            GrowLossScale();
        }
        var diverged = !(finiteLoss && double.IsFinite(norm)) && SkipStep(finiteLoss);
        _optimizer.zero_grad();
        Step++;
        if (diverged)
        {
            throw new InvalidOperationException(
                $"Training diverged: {_consecutiveNonFinite} consecutive steps had a non-finite {(finiteLoss ? "gradient" : "loss")} (up to step {Step}, " +
                $"{SkippedSteps} skipped in total). No update was applied for them and the weights are finite; lower the learning rate, " +
                "enable gradient clipping, or check the data.");
        }
        var seconds = Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
        return new TrainingProgress(Step, Options.TotalSteps, lossSum, lr, norm, samples / seconds, SkippedSteps);
    }

    private Tensor MicroBatchLoss(VideoBatch batch)
    {
        var x0 = batch.Videos.to(_dtype, _device);
        CheckShape(x0);
        var b = (int)x0.shape[0];
        // Draw order is part of the run's definition: timesteps, noise, label dropout, image-batch choice.
        var timesteps = Options.Timesteps.Sample(b, Schedule, _generator);
        var eps = Options.Noise.Sample(x0.shape, _generator, _dtype, _device);
        var (alpha, sigma) = ForwardProcess.AlphaSigma(Schedule, timesteps, x0);
        var xt = ForwardProcess.AddNoise(x0, eps, alpha, sigma);
        var conditioning = new Conditioning
        {
            ClassLabels = Labels(batch),
            IndependentFrames = Options.ImageBatchShare > 0 && rand([1], generator: _generator).item<float>() < Options.ImageBatchShare,
        };
        var input = _weights.ComputeType is { } low && _weights.IsLowered ? xt.to(low) : xt;
        var prediction = Predictor.Predict(input, timesteps.to(_device), conditioning).to(_dtype);
        return Options.Loss.Compute(new DiffusionLossInput
        {
            Prediction = prediction,
            X0 = x0,
            Noise = eps,
            Xt = xt,
            Alpha = alpha,
            Sigma = sigma,
            Parameterization = Options.Parameterization,
        });
    }

    private Tensor? Labels(VideoBatch batch)
    {
        if (!Options.UseClassLabels || Dataset.NumClasses == 0 || batch.Labels is null)
        {
            return null;
        }
        var labels = batch.Labels;
        if (Options.ClassDropout > 0)
        {
            var drop = rand([labels.shape[0]], generator: _generator).LessThan(Options.ClassDropout);
            labels = where(drop, HeldScalars.FullLike(labels, Dataset.NumClasses), labels);
        }
        return labels.to(_device);
    }

    private void CheckShape(Tensor x0)
    {
        if (_shapeChecked)
        {
            return;
        }
        if (x0.dim() != 5)
        {
            throw new ArgumentException(
                $"The dataset's clips must be [C, T, H, W]; got {Shapes.Format(x0.shape.AsSpan(1))} from {Dataset.Description}.", "dataset");
        }
        var m = Predictor.SpatialMultiple;
        if (x0.shape[1] != Predictor.InChannels || x0.shape[3] % m != 0 || x0.shape[4] % m != 0)
        {
            throw new ArgumentException(
                $"The dataset's clips do not fit the predictor: expected [B, C, T, H, W] with C = {Predictor.InChannels} and H, W multiples of {m}, " +
                $"got {Shapes.Format(x0)} from {Dataset.Description}.", "dataset");
        }
        _shapeChecked = true;
    }

    /// <summary>Counts a skipped step; returns true when too many non-finite steps came in a row.</summary>
    private bool SkipStep(bool finiteLoss)
    {
        SkippedSteps++;
        if (_lossScale > 1.0 && finiteLoss)
        {
            // float16 overflow in the backward pass: back the loss scale off, as a gradient scaler does.
            _lossScale /= 2;
            _lossScaleCleanSteps = 0;
            return false;
        }
        _consecutiveNonFinite++;
        return _consecutiveNonFinite >= Options.MaxConsecutiveNonFiniteSteps;
    }

    private void GrowLossScale()
    {
        if (_weights.ComputeType != ScalarType.Float16 || ++_lossScaleCleanSteps < LossScaleGrowthInterval)
        {
            return;
        }
        _lossScale *= 2;
        _lossScaleCleanSteps = 0;
    }

    private void RunPreview()
    {
        _module.eval();
        try
        {
            using var _ = no_grad();
            using var ema = UseEmaWeights();
            using var generator = new Generator((ulong)Options.PreviewSeed, CPU);
            using var first = Dataset.Get(0);
            Options.Preview!(new TrainingPreview(Step, Predictor, Schedule, Options.Parameterization, first.Clip.shape,
                Options.UseClassLabels ? Dataset.NumClasses : 0, generator, Options.RunDirectory, Ema is not null));
        }
        finally
        {
            _module.train();
        }
    }

    private bool IsCheckpointed(long step) =>
        LastCheckpoint is not null && Path.GetFileName(LastCheckpoint) == CheckpointStore.NameOf(step);

    private CheckpointManifest Manifest()
    {
        using var state = _generator.get_state();
        using var global = Generator.Default.get_state();
        return new CheckpointManifest
        {
            Step = Step,
            SkippedSteps = SkippedSteps,
            ConsecutiveNonFinite = _consecutiveNonFinite,
            EmaUpdates = Ema?.Updates ?? 0,
            LossScale = _lossScale,
            LossScaleCleanSteps = _lossScaleCleanSteps,
            LoaderEpoch = _position.Epoch,
            LoaderBatch = _position.Batch,
            GeneratorState = Convert.ToBase64String(state.data<byte>().ToArray()),
            GlobalGeneratorState = Convert.ToBase64String(global.data<byte>().ToArray()),
            Schedule = Schedule.Description,
            Parameterization = Options.Parameterization.ToString(),
            Loss = Options.Loss.Description,
            Noise = Options.Noise.Description,
            Timesteps = Options.Timesteps.Description,
            Dataset = Dataset.Description,
            Predictor = Predictor.GetType().FullName ?? Predictor.GetType().Name,
            Options = JsonSerializer.SerializeToElement(Options, CheckpointStore.Json),
        };
    }

    private static void RequireFinite(IEnumerable<(string Role, IReadOnlyList<KeyValuePair<string, Tensor>> Tensors)> files)
    {
        using var scope = NewDisposeScope();
        foreach (var (role, tensors) in files)
        {
            foreach (var (name, t) in tensors)
            {
                if (is_floating_point(t) && !t.isfinite().all().item<bool>())
                {
                    throw new InvalidOperationException($"Refusing to write a checkpoint: {role} tensor '{name}' has non-finite values.");
                }
            }
        }
    }

    private static Dictionary<string, Tensor> Role(Dictionary<string, Dictionary<string, Tensor>> tensors, string role, string directory) =>
        tensors.TryGetValue(role, out var t) ? t : throw new InvalidDataException(
            $"'{Path.Combine(directory, CheckpointManifest.FileName)}' lists no {role} file.");

    /// <summary>What the manifest checks compare against: the loader's epoch length and the generators' state lengths.</summary>
    private CheckpointChecks.Run RunFacts()
    {
        using var state = _generator.get_state();
        using var global = Generator.Default.get_state();
        return new CheckpointChecks.Run(_loader.BatchesPerEpoch, Options.GradientAccumulationSteps, LossScaleGrowthInterval,
            (int)state.numel(), (int)global.numel());
    }

    private static void SetState(Generator generator, byte[] bytes, string path)
    {
        using var state = tensor(bytes, ScalarType.Byte);
        try
        {
            generator.set_state(state);
        }
        catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException)
        {
            throw new InvalidDataException($"'{path}' has a generator state that does not fit this generator: {e.Message}", e);
        }
    }

    private sealed class NoOp : IDisposable
    {
        public static NoOp Instance { get; } = new();

        public void Dispose()
        {
        }
    }
}
