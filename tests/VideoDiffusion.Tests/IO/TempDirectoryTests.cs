namespace VideoDiffusion.Tests.IO;

/// <summary>A fresh temporary directory per test, deleted afterwards.</summary>
public abstract class TempDirectoryTests : IDisposable
{
    /// <summary>Creates the directory.</summary>
    protected TempDirectoryTests() => TempPath = Directory.CreateTempSubdirectory("vd-io-").FullName;

    /// <summary>The directory's full path.</summary>
    protected string TempPath { get; }

    /// <summary>Deletes the directory and everything in it.</summary>
    public void Dispose()
    {
        Directory.Delete(TempPath, recursive: true);
        GC.SuppressFinalize(this);
    }
}
