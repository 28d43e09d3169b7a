using VideoDiffusion.Training;

namespace VideoDiffusion.Tests.Training;

public sealed class TrainerOptionsTests
{
    [Theory]
    [InlineData(nameof(TrainerOptions.LearningRate), 1e38, "[0, 1]")]
    [InlineData(nameof(TrainerOptions.LearningRate), 1e300, "[0, 1]")]
    [InlineData(nameof(TrainerOptions.LearningRate), 1.5, "[0, 1]")]
    [InlineData(nameof(TrainerOptions.WeightDecay), 1e300, "[0, 1]")]
    [InlineData(nameof(TrainerOptions.WeightDecay), 2, "[0, 1]")]
    [InlineData(nameof(TrainerOptions.AdamEpsilon), 1e300, "(0, 1]")]
    [InlineData(nameof(TrainerOptions.AdamEpsilon), 0, "(0, 1]")]
    [InlineData(nameof(TrainerOptions.MaxGradNorm), 1e300, "(0, 1000000]")]
    [InlineData(nameof(TrainerOptions.MaxGradNorm), double.PositiveInfinity, "(0, 1000000]")]
    [InlineData(nameof(TrainerOptions.EmaDecay), 1.0, "[0, 0.999999999999]")]
    [InlineData(nameof(TrainerOptions.Beta2), 1e300, "[0, 0.999999999999]")]
    public void Validate_NumberOutOfItsRange_ThrowsNamingOptionRangeAndValue(string option, double value, string range)
    {
        var options = option switch
        {
            nameof(TrainerOptions.LearningRate) => new TrainerOptions { LearningRate = value },
            nameof(TrainerOptions.WeightDecay) => new TrainerOptions { WeightDecay = value },
            nameof(TrainerOptions.AdamEpsilon) => new TrainerOptions { AdamEpsilon = value },
            nameof(TrainerOptions.MaxGradNorm) => new TrainerOptions { MaxGradNorm = value },
            nameof(TrainerOptions.EmaDecay) => new TrainerOptions { EmaDecay = value },
            nameof(TrainerOptions.Beta2) => new TrainerOptions { Beta2 = value },
            _ => throw new ArgumentException(option),
        };
        var error = FluentActions.Invoking(options.Validate).Should().Throw<ArgumentOutOfRangeException>().Which;
        error.ParamName.Should().Be(option);
        error.Message.Should().Contain(range).And.Contain(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Constructor_HugeLearningRate_ThrowsBeforeTouchingTheWeights()
    {
        var model = new StandInPredictor(seed: 1);
        var before = TrainingSetup.Bits(model.state_dict());
        FluentActions.Invoking(() => TrainingSetup.Trainer(model, TrainingSetup.Options() with { LearningRate = 1e300 }))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("LearningRate");
        TrainingSetup.ShouldBeBitwiseEqual(TrainingSetup.Bits(model.state_dict()), before);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_EmptyOrBlankRunDirectory_ThrowsNamingIt(string directory)
    {
        FluentActions.Invoking(new TrainerOptions { RunDirectory = directory }.Validate).Should().Throw<ArgumentException>()
            .WithParameterName(nameof(TrainerOptions.RunDirectory)).WithMessage("*null for no run directory*");
    }

    [Fact]
    public void Validate_EdgesOfTheRanges_Pass()
    {
        new TrainerOptions { LearningRate = 1, WeightDecay = 1, AdamEpsilon = 1, MaxGradNorm = 1e6, EmaDecay = 0, RunDirectory = null }.Validate();
        new TrainerOptions { LearningRate = 0, WeightDecay = 0, AdamEpsilon = 1e-30, MaxGradNorm = null, EmaDecay = null }.Validate();
    }
}
