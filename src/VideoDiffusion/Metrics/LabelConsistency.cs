namespace VideoDiffusion.Metrics;

/// <summary>
/// What a <see cref="FrameClassifier"/> says about the labels of a batch of clips.
/// </summary>
/// <param name="LabelKept">Fraction of all frames whose predicted label equals their clip's majority label (1 = every clip
/// shows one class throughout).</param>
/// <param name="ClassAccuracy">Fraction of clips whose majority label equals the requested label; NaN when no labels were given.</param>
/// <param name="MajorityLabels">The majority label of each clip (ties: the lower label).</param>
public sealed record LabelConsistency(double LabelKept, double ClassAccuracy, IReadOnlyList<long> MajorityLabels);
