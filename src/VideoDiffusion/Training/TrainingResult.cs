namespace VideoDiffusion.Training;

/// <summary>What a call of <see cref="Trainer.Train"/> did.</summary>
/// <param name="Step">Steps done in the run after the call.</param>
/// <param name="StepsRun">Steps done by this call.</param>
/// <param name="Losses">The loss of every step of this call, in order (NaN or infinite for skipped steps).</param>
/// <param name="SkippedSteps">Steps of the whole run skipped because the loss or the gradients were not finite.</param>
/// <param name="LastCheckpoint">The newest checkpoint directory of the run, or null.</param>
/// <param name="Elapsed">Wall time of this call.</param>
public sealed record TrainingResult(long Step, long StepsRun, IReadOnlyList<double> Losses, long SkippedSteps, string? LastCheckpoint, TimeSpan Elapsed);
