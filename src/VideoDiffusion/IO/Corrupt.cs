namespace VideoDiffusion.IO;

/// <summary>
/// Builds the one exception type every reader in this folder throws for bad bytes: an
/// <see cref="InvalidDataException"/> that names the format, what was wrong and the byte offset where it was found.
/// </summary>
internal static class Corrupt
{
    /// <summary>An <see cref="InvalidDataException"/> reading "<c>{format}: {message} (at byte offset {offset})</c>".</summary>
    public static InvalidDataException At(string format, long offset, string message, Exception? inner = null) =>
        new($"{format}: {message} (at byte offset {offset}).", inner);

    /// <summary>The data ends before <paramref name="needed"/> more bytes at <paramref name="offset"/>.</summary>
    public static InvalidDataException Truncated(string format, long offset, long needed, string what) =>
        At(format, offset, $"the data ends before the {what} ({needed} byte(s) needed)");
}
