namespace VideoDiffusion.Tests.TestSupport;

/// <summary>Locates files of the repository from the test's output directory.</summary>
internal static class RepositoryPaths
{
    /// <summary>The repository root: the nearest ancestor of the test assembly's directory holding VideoDiffusion.sln.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "VideoDiffusion.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No VideoDiffusion.sln above {AppContext.BaseDirectory}.");
    }
}
