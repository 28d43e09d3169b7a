using VideoDiffusion.Schedules;
using static TorchSharp.torch;

namespace VideoDiffusion.Samplers;

/// <summary>
/// What a <see cref="SamplingCallback"/> sees after each step. The tensors belong to the sampling loop and are valid
/// only during the call.
/// </summary>
/// <param name="Step">Index of the step just taken, 0 … <paramref name="Steps"/> - 1.</param>
/// <param name="Steps">Number of steps of the run.</param>
/// <param name="Level">The level the step started from (where the denoiser was evaluated).</param>
/// <param name="NextLevel">The level of <paramref name="Sample"/>.</param>
/// <param name="Sample">The new sample x at <paramref name="NextLevel"/>, <c>[B, C, T, H, W]</c>.</param>
/// <param name="Denoised">The estimate x0_hat the step used (its first denoiser evaluation).</param>
public readonly record struct SamplingProgress(int Step, int Steps, NoiseLevel Level, NoiseLevel NextLevel, Tensor Sample, Tensor Denoised);

/// <summary>
/// Called synchronously after every sampling step, inside the step's dispose scope and under inference mode. Return
/// null to keep the sample, or a tensor of the same shape to replace it (the loop takes ownership of the returned
/// tensor; create it inside the call, e.g. <c>torch.where(mask, known, p.Sample)</c>).
/// </summary>
/// <param name="progress">The step just taken.</param>
/// <returns>A replacement for <see cref="SamplingProgress.Sample"/>, or null.</returns>
public delegate Tensor? SamplingCallback(SamplingProgress progress);
