namespace VideoDiffusion.Tests.IO;

/// <summary>Paths of the checked-in reference files (copied next to the test assembly).</summary>
internal static class Fixtures
{
    /// <summary>The full path of <c>Fixtures/{folder}/{name}</c>.</summary>
    public static string Path(string folder, string name) =>
        System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", folder, name);
}
