using VideoDiffusion.Predictors;
using static VideoDiffusion.Tests.Predictors.UNetTestSupport;

namespace VideoDiffusion.Tests.Predictors;

public class SpaceTimeUNetInputTests
{
    // Micro: C = 3, H and W multiples of 2, 3 classes (+ null class 3), context [B, L, 6], conditioning frames.
    private static readonly long[] Video = [2, 3, 3, 4, 6];

    public static TheoryData<string, string, string[]> BadInputs => new()
    {
        { "rank4", "xt", ["[B, C, T, H, W]", "[2, 3, 4, 6]"] },
        { "channels", "xt", ["C = 3", "[2, 4, 3, 4, 6]"] },
        { "height", "xt", ["multiples of 2", "[2, 3, 3, 5, 6]"] },
        { "dtype", "xt", ["Float32", "Float64"] },
        { "timestepsLength", "timesteps", ["[B] = [2]", "[3]"] },
        { "timestepsRank", "timesteps", ["[B] = [2]", "[2, 1]"] },
        { "labelsShape", "ClassLabels", ["[B] = [2]", "[1]"] },
        { "labelsFloat", "ClassLabels", ["integer", "Float32"] },
        { "contextDim", "Context", ["[2, L >= 1, 6]", "[2, 5, 7]"] },
        { "contextBatch", "Context", ["[2, L >= 1, 6]", "[1, 5, 6]"] },
        { "maskShape", "FrameMask", ["[B, T] = [2, 3]", "[2, 4]"] },
        { "framesShape", "Frames", ["[2, 3, 3, 4, 6]", "[2, 3, 2, 4, 6]"] },
        { "framesWithoutMask", "FrameMask", ["[B, T] = [2, 3]"] },
        { "maskWithoutFrames", "Frames", ["[2, 3, 3, 4, 6]"] },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Predict_BadInput_ThrowsArgumentExceptionNamingExpectedAndActual(string input, string param, string[] quoted)
    {
        using var net = Build(Micro);
        using var scope = NewDisposeScope();
        var x = randn(Video);
        var t = zeros(2);
        Conditioning? c = null;
        switch (input)
        {
            case "rank4": x = randn(2, 3, 4, 6); break;
            case "channels": x = randn([2, 4, 3, 4, 6]); break;
            case "height": x = randn([2, 3, 3, 5, 6]); break;
            case "dtype": x = randn(Video, ScalarType.Float64); break;
            case "timestepsLength": t = zeros(3); break;
            case "timestepsRank": t = zeros(2, 1); break;
            case "labelsShape": c = new() { ClassLabels = zeros(1, ScalarType.Int64) }; break;
            case "labelsFloat": c = new() { ClassLabels = zeros(2) }; break;
            case "contextDim": c = new() { Context = randn(2, 5, 7) }; break;
            case "contextBatch": c = new() { Context = randn(1, 5, 6) }; break;
            case "maskShape": c = new() { Frames = randn(Video), FrameMask = ones(2, 4) }; break;
            case "framesShape": c = new() { Frames = randn([2, 3, 2, 4, 6]), FrameMask = ones(2, 3) }; break;
            case "framesWithoutMask": c = new() { Frames = randn(Video) }; break;
            case "maskWithoutFrames": c = new() { FrameMask = ones(2, 3) }; break;
            default: throw new ArgumentOutOfRangeException(nameof(input), input, "Unknown case.");
        }

        var act = () => net.Predict(x, t, c);

        var e = act.Should().Throw<ArgumentException>().Which;
        e.Should().NotBeOfType<ArgumentOutOfRangeException>();
        e.ParamName.Should().Be(param);
        foreach (var q in quoted)
        {
            e.Message.Should().Contain(q);
        }
    }

    [Theory]
    [InlineData(4L)]
    [InlineData(-1L)]
    public void Predict_LabelOutOfRange_ThrowsArgumentOutOfRange(long label)
    {
        using var net = Build(Micro);
        using var scope = NewDisposeScope();
        var labels = tensor(new long[] { 0, label });

        var act = () => net.Predict(randn(Video), zeros(2), new Conditioning { ClassLabels = labels });

        var e = act.Should().Throw<ArgumentOutOfRangeException>().Which;
        e.ParamName.Should().Be("ClassLabels");
        e.Message.Should().Contain("[0, 3]");
    }

    [Fact]
    public void Predict_ConditioningTheNetworkWasNotBuiltFor_Throws()
    {
        using var net = Build(KnownSpaceTimeUNets.Tiny);
        using var scope = NewDisposeScope();
        var x = randn([1, 3, 2, 4, 4]);
        var t = zeros(1);

        var labels = () => net.Predict(x, t, new Conditioning { ClassLabels = zeros(1, ScalarType.Int64) });
        var context = () => net.Predict(x, t, new Conditioning { Context = randn(1, 2, 6) });
        var frames = () => net.Predict(x, t, new Conditioning { Frames = randn([1, 3, 2, 4, 4]), FrameMask = ones(1, 2) });
        var nullX = () => net.Predict(null!, t);

        labels.Should().Throw<ArgumentException>().WithMessage("*NumClasses = 0*").Which.ParamName.Should().Be("ClassLabels");
        context.Should().Throw<ArgumentException>().WithMessage("*ContextDim = 0*").Which.ParamName.Should().Be("Context");
        frames.Should().Throw<ArgumentException>().WithMessage("*ConcatConditioningFrames = false*").Which.ParamName.Should().Be("Frames");
        nullX.Should().Throw<ArgumentNullException>().Which.ParamName.Should().Be("xt");
    }

    [Fact]
    public void Constructor_InconsistentOptions_Throws()
    {
        var act = () => new SpaceTimeUNet(new SpaceTimeUNetOptions { BaseChannels = 20, NormGroups = 8 });
        var nullOptions = () => new SpaceTimeUNet(null!);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("NormGroups");
        nullOptions.Should().Throw<ArgumentNullException>();
    }
}
