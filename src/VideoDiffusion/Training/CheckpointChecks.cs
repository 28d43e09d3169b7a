using System.Globalization;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// Validation of what a checkpoint holds beyond the hashed tensor files: every field of the manifest (no hash covers
/// it) and the contents of the tensor files against the run. <see cref="Trainer.LoadCheckpoint"/> runs all of it before
/// it changes any state, so a rejected checkpoint leaves the trainer as it was. Errors are
/// <see cref="InvalidDataException"/> naming the file, the field, the expected and the actual value.
/// </summary>
internal static class CheckpointChecks
{
    /// <summary>Mersenne Twister state words (MT19937, Matsumoto &amp; Nishimura 1998).</summary>
    private const int MersenneStateWords = 624;

    /// <summary>The run a checkpoint is loaded into, for the consistency checks.</summary>
    /// <param name="BatchesPerEpoch">The data loader's batches per epoch.</param>
    /// <param name="GradientAccumulationSteps">Batches per optimizer step.</param>
    /// <param name="LossScaleGrowthInterval">Clean steps after which the float16 loss scale doubles.</param>
    /// <param name="GeneratorStateBytes">Length of the trainer's generator state (a CPU generator's: 5056 bytes in libtorch 2.x).</param>
    /// <param name="GlobalGeneratorStateBytes">Length of TorchSharp's default generator state.</param>
    internal sealed record Run(int BatchesPerEpoch, int GradientAccumulationSteps, int LossScaleGrowthInterval, int GeneratorStateBytes, int GlobalGeneratorStateBytes);

    /// <summary>The decoded generator states of a validated manifest.</summary>
    internal sealed record GeneratorStates(byte[] Trainer, byte[] Global);

    /// <summary>Checks every run-state field of <paramref name="manifest"/> (read from <paramref name="path"/>) for range and consistency.</summary>
    /// <exception cref="InvalidDataException">A field is out of range or inconsistent.</exception>
    public static GeneratorStates Manifest(CheckpointManifest manifest, Run run, string path)
    {
        Require(manifest.Step >= 0, path, nameof(manifest.Step), ">= 0", manifest.Step);
        Require(manifest.SkippedSteps >= 0 && manifest.SkippedSteps <= manifest.Step, path, nameof(manifest.SkippedSteps),
            $"in [0, {manifest.Step}] (at most Step)", manifest.SkippedSteps);
        Require(manifest.ConsecutiveNonFinite >= 0 && manifest.ConsecutiveNonFinite <= manifest.SkippedSteps, path, nameof(manifest.ConsecutiveNonFinite),
            $"in [0, {manifest.SkippedSteps}] (at most SkippedSteps)", manifest.ConsecutiveNonFinite);
        var applied = manifest.Step - manifest.SkippedSteps;
        Require(manifest.EmaUpdates >= 0 && manifest.EmaUpdates <= applied, path, nameof(manifest.EmaUpdates),
            $"in [0, {applied}] (at most the steps applied, Step - SkippedSteps)", manifest.EmaUpdates);
        var scale = manifest.LossScale;
        Require(double.IsFinite(scale) && scale >= 1 && Math.ScaleB(1.0, Math.ILogB(scale)) == scale, path, nameof(manifest.LossScale),
            "a power of two >= 1", scale.ToString("R", CultureInfo.InvariantCulture));
        Require(manifest.LossScaleCleanSteps >= 0 && manifest.LossScaleCleanSteps < run.LossScaleGrowthInterval, path, nameof(manifest.LossScaleCleanSteps),
            $"in [0, {run.LossScaleGrowthInterval - 1}]", manifest.LossScaleCleanSteps);
        // Every epoch has at least one batch and every step consumes GradientAccumulationSteps of them.
        var batches = manifest.Step * (long)run.GradientAccumulationSteps;
        Require(manifest.LoaderEpoch >= 0 && manifest.LoaderEpoch <= batches && manifest.LoaderEpoch < int.MaxValue, path, nameof(manifest.LoaderEpoch),
            $"in [0, {Math.Min(batches, int.MaxValue - 1)}] (at most the batches consumed, Step x GradientAccumulationSteps)", manifest.LoaderEpoch);
        Require(manifest.LoaderBatch >= 0 && manifest.LoaderBatch < run.BatchesPerEpoch, path, nameof(manifest.LoaderBatch),
            $"in [0, {run.BatchesPerEpoch}) (the data loader's batches per epoch)", manifest.LoaderBatch);
        return new GeneratorStates(
            GeneratorState(manifest.GeneratorState, run.GeneratorStateBytes, path, nameof(manifest.GeneratorState)),
            GeneratorState(manifest.GlobalGeneratorState, run.GlobalGeneratorStateBytes, path, nameof(manifest.GlobalGeneratorState)));
    }

    /// <summary>
    /// Decodes a CPU generator state and checks what libtorch's <c>CPUGeneratorImpl::set_state</c> checks: libtorch
    /// reports a rejected state by throwing a C++ exception through TorchSharp's C boundary, which terminates the process.
    /// </summary>
    /// <exception cref="InvalidDataException">Not base64, another length, or an invalid MT19937 engine.</exception>
    public static byte[] GeneratorState(string? base64, int expectedBytes, string path, string field)
    {
        if (base64 is null)
        {
            throw Invalid(path, field, $"base64 of a {expectedBytes}-byte CPU generator state", "null");
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw Invalid(path, field, $"base64 of a {expectedBytes}-byte CPU generator state", $"{base64.Length} characters that are not base64");
        }
        Require(bytes.Length == expectedBytes, path, field, $"a CPU generator state of {expectedBytes} bytes", $"{bytes.Length} bytes");
        // The state starts with libtorch's CPUGeneratorImplStateLegacy: uint64 seed, int32 left, int32 seeded, uint64 next,
        // uint64 state[624], in native byte order (as get_state() wrote it on this machine).
        if (bytes.Length >= 24)
        {
            var left = BitConverter.ToInt32(bytes, 8);
            var seeded = BitConverter.ToInt32(bytes, 12);
            var next = (uint)BitConverter.ToUInt64(bytes, 16);
            Require(left is >= 1 and <= MersenneStateWords, path, field, $"an MT19937 engine with 'left' in [1, {MersenneStateWords}]", $"left = {left}");
            Require(seeded != 0, path, field, "a seeded MT19937 engine ('seeded' nonzero)", $"seeded = {seeded}");
            Require(next <= MersenneStateWords, path, field, $"an MT19937 engine with 'next' <= {MersenneStateWords}", $"next = {next}");
        }
        return bytes;
    }

    /// <summary>
    /// Checks that <paramref name="weights"/> (a full state dict from <paramref name="source"/>) has exactly the names and
    /// shapes of <paramref name="targets"/> and only finite floating-point values.
    /// </summary>
    /// <exception cref="InvalidOperationException">Names or shapes differ (another network).</exception>
    /// <exception cref="InvalidDataException">A value is not finite.</exception>
    public static void Weights(IReadOnlyList<KeyValuePair<string, Tensor>> targets, IReadOnlyDictionary<string, Tensor> weights, string source, string what)
    {
        TrainingCheckpoint.RequireSameNamesAndShapes(targets, weights, source, what);
        Finite(weights, source);
    }

    /// <summary>Requires every floating-point tensor of <paramref name="tensors"/> to be finite (checkpoints are written only so).</summary>
    /// <exception cref="InvalidDataException">One is not.</exception>
    public static void Finite(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        using var scope = NewDisposeScope();
        foreach (var (name, t) in tensors)
        {
            if (is_floating_point(t) && !t.isfinite().all().item<bool>())
            {
                throw new InvalidDataException($"'{source}' holds non-finite values in '{name}' (a checkpoint is never written so).");
            }
        }
    }

    private static void Require(bool ok, string path, string field, string expected, object actual)
    {
        if (!ok)
        {
            throw Invalid(path, field, expected, actual);
        }
    }

    private static InvalidDataException Invalid(string path, string field, string expected, object actual) =>
        new($"'{path}' has an invalid {field}: expected {expected}, got {Convert.ToString(actual, CultureInfo.InvariantCulture)}.");
}
