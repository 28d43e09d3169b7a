using VideoDiffusion.Internal;
using VideoDiffusion.Noise;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// Everything a sampling run needs besides the denoiser, the start sample and the plan: the random generators, an
/// optional per-step callback and a cancellation token. Immutable; one context may serve several runs in sequence,
/// but its generators advance as they are used, so concurrent runs need their own contexts.
/// </summary>
/// <remarks>
/// Per-clip seeds: with one generator per batch element, clip i of a batch draws its noise from generator i only, so
/// it equals the same clip sampled alone with that generator (the analytic tests check this to 1e-6, stochastic
/// samplers included). With a single generator the whole batch is drawn at once: faster, but then a clip depends on
/// the batch size.
/// </remarks>
public sealed class SamplingContext : IDisposable
{
    private readonly Generator[] _generators;
    private readonly bool _ownsGenerators;

    /// <summary>A context without generators (enough for deterministic samplers), callback or cancellation.</summary>
    public SamplingContext()
        : this([], false)
    {
    }

    /// <summary>A context with caller-owned generators: one per clip of the batch, or one for the whole batch.</summary>
    /// <exception cref="ArgumentException">A generator is null.</exception>
    public SamplingContext(params IEnumerable<Generator> generators)
        : this(CheckGenerators(generators), false)
    {
    }

    private SamplingContext(Generator[] generators, bool owns)
    {
        _generators = generators;
        _ownsGenerators = owns;
    }

    /// <summary>
    /// A context with one new generator per seed (one per clip), on <paramref name="device"/> (default CPU, so a seed
    /// gives the same noise on every device). The context owns these generators and releases them on <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No seeds.</exception>
    public static SamplingContext FromSeeds(IEnumerable<long> seeds, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        TorchBackend.EnsureAvailable();
        var array = seeds.ToArray();
        if (array.Length == 0)
        {
            throw new ArgumentException("Expected at least one seed, got none.", nameof(seeds));
        }
        return new SamplingContext(array.Select(s => new Generator(unchecked((ulong)s), device ?? CPU)).ToArray(), true);
    }

    /// <summary>The generators: one per clip, one for the whole batch, or none (deterministic samplers only).</summary>
    public IReadOnlyList<Generator> Generators => _generators;

    /// <summary>Called after every step; may replace the sample. <value>The default value is null.</value></summary>
    public SamplingCallback? Callback { get; init; }

    /// <summary>Checked before every step. <value>The default value is <see cref="CancellationToken.None"/>.</value></summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Where the noise of stochastic steps comes from (unit variance). <value>The default value is <see cref="GaussianNoise.Instance"/>.</value></summary>
    public INoiseSource Noise { get; init; } = GaussianNoise.Instance;

    /// <summary>
    /// A copy with the same generators (shared, not owned by the copy) and the given callback and token; the noise
    /// source is kept.
    /// </summary>
    public SamplingContext With(SamplingCallback? callback, CancellationToken cancellationToken = default) =>
        new(_generators, false) { Callback = callback, CancellationToken = cancellationToken, Noise = Noise };

    /// <summary>
    /// Draws unit noise of <paramref name="shape"/> <c>[B, …]</c>: clip b from generator b when there is one generator
    /// per clip, the whole batch from the single generator otherwise. Drawn on each generator's device, then moved.
    /// </summary>
    /// <param name="shape">The shape, batch first.</param>
    /// <param name="dtype">Element type of the result. <value>The default value is float32.</value></param>
    /// <param name="device">Device of the result; null = the generators' device.</param>
    /// <exception cref="ArgumentException">The context has no generators, or neither one nor B of them.</exception>
    public Tensor DrawNoise(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shapes.RequirePositive(shape, nameof(shape));
        RequireGenerators(shape[0], nameof(shape));
        if (_generators.Length == 1)
        {
            return Noise.Sample(shape, _generators[0], dtype, device);
        }
        using var scope = NewDisposeScope();
        var clip = (long[])shape.Clone();
        clip[0] = 1;
        var parts = new Tensor[_generators.Length];
        for (var b = 0; b < parts.Length; b++)
        {
            parts[b] = Noise.Sample(clip, _generators[b], dtype, device);
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>Unit noise shaped, typed and placed like <paramref name="like"/>.</summary>
    internal Tensor DrawNoiseLike(Tensor like) => DrawNoise(like.shape, like.dtype, like.device);

    /// <summary>Throws unless the context can draw noise for a batch of <paramref name="batch"/> clips.</summary>
    internal void RequireGenerators(long batch, string paramName)
    {
        if (_generators.Length == 0)
        {
            throw new ArgumentException(
                "This sampler draws noise: give the SamplingContext one generator per clip (SamplingContext.FromSeeds) or one for the batch.", paramName);
        }
        if (_generators.Length != 1 && _generators.Length != batch)
        {
            throw new ArgumentException(
                $"Expected 1 generator or one per clip (B = {batch}), got {_generators.Length}.", paramName);
        }
    }

    /// <summary>Releases the generators this context created (<see cref="FromSeeds"/>); caller-owned ones are left alone.</summary>
    public void Dispose()
    {
        if (_ownsGenerators)
        {
            foreach (var g in _generators)
            {
                g.Dispose();
            }
        }
    }

    private static Generator[] CheckGenerators(IEnumerable<Generator> generators)
    {
        ArgumentNullException.ThrowIfNull(generators);
        var array = generators.ToArray();
        for (var i = 0; i < array.Length; i++)
        {
            if (array[i] is null)
            {
                throw new ArgumentException($"Expected non-null generators, got null at index {i}.", nameof(generators));
            }
        }
        return array;
    }
}
