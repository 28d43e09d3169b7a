using VideoDiffusion.Diffusion;
using VideoDiffusion.Predictors;
using VideoDiffusion.Schedules;

namespace VideoDiffusion.Tests.Samplers.Analytic;

/// <summary>
/// A noise predictor made from analytic denoisers: for clip b it looks up the level of timesteps[b] on the schedule,
/// asks the denoiser chosen by the clip's class label (or the single one) for (x0, eps) and returns the training target
/// of the parameterization. Records its calls.
/// </summary>
internal sealed class AnalyticPredictor(INoiseSchedule schedule, Parameterization parameterization, params IDenoiser[] byClass) : INoisePredictor
{
    public int InChannels => 1;

    public int OutChannels => 1;

    public int SpatialMultiple => 1;

    public int Calls { get; private set; }

    public List<long> BatchSizes { get; } = [];

    public List<double[]> Timesteps { get; } = [];

    public Tensor Predict(Tensor xt, Tensor timesteps, Conditioning? conditioning = null)
    {
        Calls++;
        BatchSizes.Add(xt.shape[0]);
        using var scope = NewDisposeScope();
        var ts = timesteps.to(ScalarType.Float64).data<double>().ToArray();
        Timesteps.Add(ts);
        var labels = conditioning?.ClassLabels?.data<long>().ToArray();
        var outputs = new Tensor[ts.Length];
        for (var b = 0; b < ts.Length; b++)
        {
            var level = schedule.Level(ts[b]);
            var clip = xt.narrow(0, b, 1);
            var d = byClass[labels is null ? 0 : (int)labels[b]].Denoise(clip, level);
            outputs[b] = parameterization.Target(d.X0, d.Eps, level);
        }
        return cat(outputs, 0).MoveToOuterDisposeScope();
    }
}
