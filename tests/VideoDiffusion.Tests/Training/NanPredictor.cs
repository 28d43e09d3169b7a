using VideoDiffusion.Predictors;
using static TorchSharp.torch.nn;

namespace VideoDiffusion.Tests.Training;

/// <summary>Wraps the stand-in and returns NaN instead of its prediction on chosen calls (1-based).</summary>
internal sealed class NanPredictor : Module<Tensor, Tensor>, INoisePredictor
{
    private readonly StandInPredictor inner;
    private readonly Func<int, bool> _poisoned;
    private int _calls;

    public NanPredictor(Func<int, bool> poisoned, long seed = 0) : base(nameof(NanPredictor))
    {
        inner = new StandInPredictor(seed: seed);
        _poisoned = poisoned;
        RegisterComponents();
    }

    public int InChannels => inner.InChannels;

    public int OutChannels => inner.OutChannels;

    public int SpatialMultiple => inner.SpatialMultiple;

    public Tensor Predict(Tensor xt, Tensor timesteps, Conditioning? conditioning = null)
    {
        var output = inner.Predict(xt, timesteps, conditioning);
        if (!_poisoned(++_calls))
        {
            return output;
        }
        using (output)
        {
            return output * float.NaN;
        }
    }

    public override Tensor forward(Tensor input) => inner.forward(input);
}
