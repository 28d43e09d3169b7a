using VideoDiffusion.Training;
using VideoDiffusion.Tests.TestSupport;

namespace VideoDiffusion.Tests.Training;

/// <summary>A trainer disposed while it trains: never frees tensors under the running step.</summary>
public sealed class TrainerDisposeTests
{
    [Fact]
    public async Task Dispose_DuringTrainOnAnotherThread_WaitsForTheStepAndStopsTheRun()
    {
        var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 4), TrainingSetup.Options() with { TotalSteps = 400 });
        var shadow = trainer.Ema!.Shadows.Values.First();
        using var started = new ManualResetEventSlim();
        var reports = 0;
        var sawFreedState = false;
        var run = Task.Run(() => trainer.Train(progress: new SyncProgress<TrainingProgress>(_ =>
        {
            sawFreedState |= shadow.IsInvalid;
            Interlocked.Increment(ref reports);
            started.Set();
            Thread.Sleep(10); // keep the run busy while Dispose runs
        })));
        started.Wait(TimeSpan.FromMinutes(1)).Should().BeTrue();

        trainer.Dispose();
        var reportsWhenDisposed = Volatile.Read(ref reports);

        var thrown = await FluentActions.Awaiting(() => run).Should().ThrowAsync<ObjectDisposedException>();
        thrown.Which.Message.Should().Contain("disposed during the run");
        reports.Should().Be(reportsWhenDisposed, "no step runs after Dispose has returned");
        reports.Should().BeLessThan(400);
        sawFreedState.Should().BeFalse();
        shadow.IsInvalid.Should().BeTrue("Dispose freed the EMA once the run had stopped");
        FluentActions.Invoking(() => trainer.Train(1)).Should().Throw<ObjectDisposedException>();
        FluentActions.Invoking(() => trainer.UseEmaWeights()).Should().Throw<ObjectDisposedException>();
        trainer.Dispose(); // idempotent
    }

    [Fact]
    public void Dispose_FromTheRunsOwnProgressCallback_StopsAfterTheStep_ThenFreesTheState()
    {
        var trainer = TrainingSetup.Trainer(new StandInPredictor(seed: 5), TrainingSetup.Options());
        var shadow = trainer.Ema!.Shadows.Values.First();
        var aliveInCallback = false;

        FluentActions.Invoking(() => trainer.Train(progress: new SyncProgress<TrainingProgress>(p =>
        {
            if (p.Step == 2)
            {
                trainer.Dispose();
                aliveInCallback = !shadow.IsInvalid;
            }
        }))).Should().Throw<ObjectDisposedException>().WithMessage("*stopped at step 2*");

        aliveInCallback.Should().BeTrue("the state is freed only after the run has stopped");
        shadow.IsInvalid.Should().BeTrue();
        trainer.Step.Should().Be(2);
    }
}
