namespace VideoDiffusion.Tests;

public class BackendTests
{
    [Fact]
    public void TorchBackend_WithCpuPackage_IsAvailable()
    {
        TorchBackend.IsAvailable.Should().BeTrue();
        FluentActions.Invoking(TorchBackend.EnsureAvailable).Should().NotThrow();
    }

    [Fact]
    public void LoadException_NamesEveryBackendPackage_AndKeepsTorchSharpsReason()
    {
        var inner = new NotSupportedException("libtorch-cpu-linux-x64 not referenced");
        var e = TorchBackend.CreateLoadException(inner);
        e.Message.Should().Contain("TorchSharp-cpu").And.Contain("TorchSharp-cuda-linux").And.Contain("TorchSharp-cuda-windows")
            .And.Contain("libtorch-cpu-linux-x64 not referenced");
        e.InnerException.Should().BeSameAs(inner);
    }
}
