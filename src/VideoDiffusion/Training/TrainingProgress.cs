namespace VideoDiffusion.Training;

/// <summary>What <see cref="Trainer"/> reports after every optimizer step.</summary>
/// <param name="Step">Steps done so far (including skipped ones).</param>
/// <param name="TotalSteps">The run's planned number of steps.</param>
/// <param name="Loss">The step's loss (mean over its micro-batches); NaN or infinite for a skipped step.</param>
/// <param name="LearningRate">The learning rate used.</param>
/// <param name="GradNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="SamplesPerSecond">Training throughput of this step (clips per second).</param>
/// <param name="SkippedSteps">Steps skipped so far because the loss or the gradients were not finite.</param>
public sealed record TrainingProgress(long Step, long TotalSteps, double Loss, double LearningRate, double GradNorm, double SamplesPerSecond, long SkippedSteps);
