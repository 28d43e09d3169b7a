using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using VideoDiffusion.IO;
using static TorchSharp.torch;

namespace VideoDiffusion.Training;

/// <summary>
/// Low-rank adapters (Hu et al. 2022, "LoRA", eq. 3) on linear layers of a network, typically its attention
/// projections: each adapted layer computes <c>W x + b + (alpha / r) B A x</c>, with <c>A</c> [r, in] initialised like
/// PEFT (Kaiming-uniform, bound <c>1 / sqrt(in)</c>) and <c>B</c> [out, r] zero, so the adapted network starts equal to
/// the base. Attaching freezes the base; the adapters are registered as submodules <c>lora_A</c> and <c>lora_B</c> of
/// each adapted layer (state-dict names <c>&lt;layer&gt;.lora_A.weight</c>, as PEFT; adapter files are safetensors), so a <see cref="Trainer"/>
/// built afterwards trains them alone and its checkpoints include them. The update is added by a forward hook, so the
/// network must invoke the layers through <c>call</c> (TorchSharp runs hooks only there).
/// </summary>
public sealed class LoraAdapters : IDisposable
{
    private const string FormatTag = "VideoDiffusion.LoRA/1";

    private readonly nn.Module _model;
    private readonly List<Adapter> _adapters;
    private readonly Dictionary<string, bool> _previousRequiresGrad;
    private readonly ITensorFileFormat _format;

    private LoraAdapters(nn.Module model, LoraOptions options, List<Adapter> adapters, Dictionary<string, bool> previous, ITensorFileFormat format)
    {
        _model = model;
        Options = options;
        _adapters = adapters;
        _previousRequiresGrad = previous;
        _format = format;
    }

    /// <summary>The definition.</summary>
    public LoraOptions Options { get; }

    /// <summary>The update scale <c>alpha / r</c>.</summary>
    public double Scale => Options.Alpha / Options.Rank;

    /// <summary>Module paths of the adapted layers.</summary>
    public IReadOnlyList<string> TargetPaths => _adapters.Select(a => a.Path).ToArray();

    /// <summary>Whether the adapters are still attached (not merged or detached).</summary>
    public bool IsAttached { get; private set; } = true;

    /// <summary>The adapter parameters by their state-dict names in the network.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> Parameters =>
        _adapters.SelectMany(a => new[] { (a.Path + ".lora_A.weight", a.A.weight!), (a.Path + ".lora_B.weight", a.B.weight!) });

    /// <summary>Attaches adapters to every linear layer of <paramref name="model"/> named in <see cref="LoraOptions.TargetModules"/> and freezes everything else.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Rank or alpha out of range.</exception>
    /// <exception cref="ArgumentException">No linear layer matches the targets, or the model already has adapters.</exception>
    public static LoraAdapters Attach(nn.Module model, LoraOptions? options = null) => Attach(model, options ?? new LoraOptions(), SafeTensorsTensorFile.Instance);

    /// <summary>Attaches adapters with the definition stored in an adapter file and loads their weights.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid adapter file.</exception>
    /// <exception cref="ArgumentException">The file's adapters do not fit <paramref name="model"/>.</exception>
    public static LoraAdapters AttachFromFile(nn.Module model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var format = SafeTensorsTensorFile.Instance;
        var (tensors, metadata) = ReadFile(path, format);
        try
        {
            var options = OptionsFrom(metadata, path);
            var adapters = Attach(model, options, format);
            adapters.CopyIn(tensors, path);
            return adapters;
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    internal static LoraAdapters Attach(nn.Module model, LoraOptions options, ITensorFileFormat format)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Rank, 1, nameof(options.Rank));
        if (!(options.Alpha > 0) || double.IsInfinity(options.Alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(options.Alpha), options.Alpha, "Expected a finite alpha > 0.");
        }
        TorchBackend.EnsureAvailable();
        var targets = options.TargetModules.ToHashSet(StringComparer.Ordinal);
        var layers = model.named_modules()
            .Where(m => targets.Contains(m.name.Split('.')[^1]) && m.module is Linear)
            .Select(m => (m.name, Layer: (Linear)m.module)).ToList();
        if (layers.Count == 0)
        {
            throw new ArgumentException($"{model.GetType().Name} has no linear layer named {string.Join(", ", targets)}.", nameof(model));
        }
        if (layers.Any(l => l.Layer.named_children().Any(c => c.name is "lora_A" or "lora_B")))
        {
            throw new ArgumentException("The model already has LoRA adapters attached.", nameof(model));
        }
        var previous = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.requires_grad, StringComparer.Ordinal);
        foreach (var (_, p) in model.named_parameters())
        {
            p.requires_grad = false;
        }
        using var generator = new Generator((ulong)options.Seed, CPU);
        var scale = options.Alpha / options.Rank;
        var adapters = new List<Adapter>(layers.Count);
        foreach (var (path, layer) in layers)
        {
            var weight = layer.weight!;
            var (outFeatures, inFeatures) = (weight.shape[0], weight.shape[1]);
            var a = nn.Linear(inFeatures, options.Rank, hasBias: false, device: weight.device, dtype: weight.dtype);
            var b = nn.Linear(options.Rank, outFeatures, hasBias: false, device: weight.device, dtype: weight.dtype);
            using (no_grad())
            {
                var bound = 1.0 / Math.Sqrt(inFeatures);
                using var draw = rand([options.Rank, inFeatures], ScalarType.Float64, generator: generator);
                using var init = draw * (2 * bound) - bound;
                a.weight!.copy_(init);
                b.weight!.zero_();
            }
            layer.register_module("lora_A", a);
            layer.register_module("lora_B", b);
            var hook = layer.register_forward_hook((_, input, output) =>
            {
                using var scope = NewDisposeScope();
                return (output + b.call(a.call(input)) * scale).MoveToOuterDisposeScope();
            });
            adapters.Add(new Adapter(path, layer, a, b, hook));
        }
        return new LoraAdapters(model, options, adapters, previous, format);
    }

    /// <summary>Writes the adapter weights alone (with rank, alpha and targets as metadata) to <paramref name="path"/>.</summary>
    /// <exception cref="InvalidOperationException">The adapters were merged or detached.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireAttached();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatTag,
            ["rank"] = Options.Rank.ToString(CultureInfo.InvariantCulture),
            ["alpha"] = Options.Alpha.ToString("R", CultureInfo.InvariantCulture),
            ["target_modules"] = string.Join(",", Options.TargetModules),
        };
        var tensors = Parameters.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)).ToList();
        AtomicFile.Write(path, stream => _format.Write(stream, tensors, metadata));
    }

    /// <summary>Loads adapter weights written by <see cref="Save"/> into these adapters.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid adapter file.</exception>
    /// <exception cref="ArgumentException">Its adapters do not fit (names, shapes, rank or alpha differ).</exception>
    public void Load(string path)
    {
        RequireAttached();
        var (tensors, metadata) = ReadFile(path, _format);
        try
        {
            var stored = OptionsFrom(metadata, path);
            if (stored.Rank != Options.Rank || stored.Alpha != Options.Alpha)
            {
                throw new ArgumentException($"'{path}' holds adapters of rank {stored.Rank}, alpha {stored.Alpha}; these have rank {Options.Rank}, alpha {Options.Alpha}.", nameof(path));
            }
            CopyIn(tensors, path);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Adds <c>(alpha / r) B A</c> to each adapted layer's weight and removes the adapters: the network then computes what the adapted network computed, at no extra cost.</summary>
    /// <exception cref="InvalidOperationException">Already merged or detached.</exception>
    public void Merge()
    {
        RequireAttached();
        using (no_grad())
        {
            foreach (var adapter in _adapters)
            {
                using var delta = adapter.B.weight!.matmul(adapter.A.weight!);
                adapter.Layer.weight!.add_(delta, alpha: Scale);
            }
        }
        Detach();
    }

    /// <summary>Removes the adapters without merging them and restores each base parameter's previous <c>requires_grad</c>.</summary>
    public void Detach()
    {
        if (!IsAttached)
        {
            return;
        }
        IsAttached = false;
        foreach (var adapter in _adapters)
        {
            adapter.Hook.remove();
            adapter.Layer.register_module("lora_A", null!);
            adapter.Layer.register_module("lora_B", null!);
            adapter.A.Dispose();
            adapter.B.Dispose();
        }
        foreach (var (name, p) in _model.named_parameters())
        {
            if (_previousRequiresGrad.TryGetValue(name, out var was))
            {
                p.requires_grad = was;
            }
        }
    }

    /// <summary>Detaches the adapters (without merging) if still attached.</summary>
    public void Dispose() => Detach();

    private void CopyIn(Dictionary<string, Tensor> tensors, string path)
    {
        var mine = Parameters.ToList();
        var missing = mine.Where(p => !tensors.TryGetValue(p.Name, out var t) || !t.shape.SequenceEqual(p.Parameter.shape)).Select(p => p.Name).ToArray();
        if (missing.Length > 0 || tensors.Count != mine.Count)
        {
            throw new ArgumentException(
                $"'{path}' does not fit these adapters: {missing.Length} missing or differently shaped (e.g. {missing.FirstOrDefault()}), {tensors.Count} stored for {mine.Count}.", nameof(path));
        }
        using var _ = no_grad();
        foreach (var (name, p) in mine)
        {
            p.copy_(tensors[name]);
        }
    }

    private static (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) ReadFile(string path, ITensorFileFormat format)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"LoRA adapter file '{path}' does not exist.", path);
        }
        using var stream = new MemoryStream(File.ReadAllBytes(path), writable: false);
        return format.Read(stream, path);
    }

    private static LoraOptions OptionsFrom(Dictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue("format", out var tag) || tag != FormatTag
            || !metadata.TryGetValue("rank", out var rank) || !int.TryParse(rank, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r)
            || !metadata.TryGetValue("alpha", out var alpha) || !double.TryParse(alpha, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            || !metadata.TryGetValue("target_modules", out var targets))
        {
            throw new InvalidDataException($"'{path}' is not a {FormatTag} adapter file (its metadata lacks format, rank, alpha or target_modules).");
        }
        return new LoraOptions { Rank = r, Alpha = a, TargetModules = targets.Split(',', StringSplitOptions.RemoveEmptyEntries) };
    }

    private void RequireAttached()
    {
        if (!IsAttached)
        {
            throw new InvalidOperationException("The LoRA adapters were merged or detached.");
        }
    }

    private sealed record Adapter(string Path, Linear Layer, Linear A, Linear B, nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover Hook);
}
