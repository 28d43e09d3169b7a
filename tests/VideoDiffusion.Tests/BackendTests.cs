namespace VideoDiffusion.Tests;

public class BackendTests
{
    [Fact]
    public void TorchBackend_WithCpuPackage_IsAvailable()
    {
        TorchBackend.IsAvailable.Should().BeTrue();
        FluentActions.Invoking(TorchBackend.EnsureAvailable).Should().NotThrow();
    }
}
