using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// AdamW's per-parameter state (step, first and second moment) as named tensors, so it can be saved in the same weight
/// format as the model: <c>&lt;name&gt;.exp_avg</c>, <c>&lt;name&gt;.exp_avg_sq</c> and <c>&lt;name&gt;.step</c> (int64 scalar).
/// </summary>
internal static class AdamWState
{
    /// <summary>The state of every parameter (views of live tensors; the step tensors are fresh and listed in <paramref name="owned"/>).</summary>
    public static List<KeyValuePair<string, Tensor>> Export(AdamW optimizer, IReadOnlyList<string> names, List<Tensor> owned)
    {
        var states = States(optimizer, names);
        var result = new List<KeyValuePair<string, Tensor>>(names.Count * 3);
        for (var i = 0; i < names.Count; i++)
        {
            var step = tensor(states[i].step);
            owned.Add(step);
            result.Add(new(names[i] + ".exp_avg", states[i].exp_avg));
            result.Add(new(names[i] + ".exp_avg_sq", states[i].exp_avg_sq));
            result.Add(new(names[i] + ".step", step));
        }
        return result;
    }

    /// <summary>
    /// Checks <paramref name="tensors"/> against the optimizer without changing it: every entry present with the
    /// parameter's shape, finite moments, second moments &gt;= 0, and a scalar int64 step in [0, <paramref name="maxStep"/>].
    /// </summary>
    /// <exception cref="InvalidOperationException">An entry is missing or has another shape (another network; the message names <paramref name="source"/>).</exception>
    /// <exception cref="InvalidDataException">A value is impossible (the message names <paramref name="source"/>, the entry, expected and actual).</exception>
    public static void Check(AdamW optimizer, IReadOnlyList<string> names, IReadOnlyDictionary<string, Tensor> tensors, string source, long maxStep)
    {
        var states = States(optimizer, names);
        for (var i = 0; i < names.Count; i++)
        {
            Get(tensors, names[i] + ".exp_avg", states[i].exp_avg, source);
            using (var _ = NewDisposeScope())
            {
                var sq = Get(tensors, names[i] + ".exp_avg_sq", states[i].exp_avg_sq, source);
                if (is_floating_point(sq) && sq.numel() > 0 && !(sq.min().to(ScalarType.Float64).item<double>() >= 0))
                {
                    throw new InvalidDataException($"'{source}' has an invalid '{names[i]}.exp_avg_sq': expected values >= 0, got a minimum of {sq.min().to(ScalarType.Float64).item<double>()}.");
                }
            }
            var step = Get(tensors, names[i] + ".step", null, source);
            if (step.dtype != ScalarType.Int64 || step.numel() != 1)
            {
                throw new InvalidDataException($"'{source}' has an invalid '{names[i]}.step': expected an int64 scalar, got {step.dtype} {Internal.Shapes.Format(step)}.");
            }
            var value = step.item<long>();
            if (value < 0 || value > maxStep)
            {
                throw new InvalidDataException($"'{source}' has an invalid '{names[i]}.step': expected a value in [0, {maxStep}] (at most the steps applied), got {value}.");
            }
        }
        CheckpointChecks.Finite(tensors, source);
    }

    /// <summary>Sets the state of every parameter from <paramref name="tensors"/> (validated by <see cref="Check"/> first).</summary>
    /// <exception cref="InvalidOperationException">An entry is missing or has the wrong shape (the message names <paramref name="source"/>).</exception>
    public static void Import(AdamW optimizer, IReadOnlyList<string> names, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var states = States(optimizer, names);
        using var _ = no_grad();
        for (var i = 0; i < names.Count; i++)
        {
            var avg = Get(tensors, names[i] + ".exp_avg", states[i].exp_avg, source);
            var sq = Get(tensors, names[i] + ".exp_avg_sq", states[i].exp_avg_sq, source);
            var step = Get(tensors, names[i] + ".step", null, source);
            states[i].exp_avg.copy_(avg);
            states[i].exp_avg_sq.copy_(sq);
            states[i].step = step.item<long>();
        }
    }

    private static Tensor Get(IReadOnlyDictionary<string, Tensor> tensors, string key, Tensor? like, string source)
    {
        if (!tensors.TryGetValue(key, out var t) || (like is not null && !t.shape.SequenceEqual(like.shape)))
        {
            throw new InvalidOperationException($"'{source}' does not match the trainable parameters: '{key}' is missing or has another shape.");
        }
        return t;
    }

    private static List<AdamW.State> States(AdamW optimizer, IReadOnlyList<string> names)
    {
        var states = optimizer.state_dict().State.Cast<AdamW.State>().ToList();
        if (states.Count != names.Count)
        {
            throw new InvalidOperationException($"The optimizer holds {states.Count} parameters, expected {names.Count}.");
        }
        return states;
    }
}
