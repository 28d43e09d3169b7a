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

    /// <summary>Sets the state of every parameter from <paramref name="tensors"/>.</summary>
    /// <exception cref="InvalidOperationException">An entry is missing or has the wrong shape (the message names <paramref name="source"/>).</exception>
    public static void Import(AdamW optimizer, IReadOnlyList<string> names, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var states = States(optimizer, names);
        Tensor Get(string key, Tensor like)
        {
            if (!tensors.TryGetValue(key, out var t) || (like is not null && !t.shape.SequenceEqual(like.shape)))
            {
                throw new InvalidOperationException($"'{source}' does not match the trainable parameters: '{key}' is missing or has another shape.");
            }
            return t;
        }
        using var _ = no_grad();
        for (var i = 0; i < names.Count; i++)
        {
            var avg = Get(names[i] + ".exp_avg", states[i].exp_avg);
            var sq = Get(names[i] + ".exp_avg_sq", states[i].exp_avg_sq);
            var step = Get(names[i] + ".step", null!);
            states[i].exp_avg.copy_(avg);
            states[i].exp_avg_sq.copy_(sq);
            states[i].step = step.item<long>();
        }
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
