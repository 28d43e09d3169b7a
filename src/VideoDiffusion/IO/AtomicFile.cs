namespace VideoDiffusion.IO;

/// <summary>
/// Writes a file through a temporary sibling and a rename, so a crash or an exception never leaves a half-written
/// file under the final name, and the temporary file is deleted on failure.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a fresh stream and renames the result to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        var temp = TempSibling(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            DeleteQuietly(temp);
        }
    }

    /// <summary>A unique temporary name in the directory of <paramref name="path"/> (created if missing).</summary>
    public static string TempSibling(string path, string? extension = null)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp{extension}");
    }

    /// <summary>Deletes <paramref name="path"/> if it exists, ignoring the errors a cleanup cannot act on.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Reads a whole file into memory for the in-memory decoders, refusing files larger than an array can hold with
    /// an <see cref="InvalidDataException"/>.
    /// </summary>
    public static byte[] ReadAll(string path, string format)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var length = new FileInfo(path).Length;
        if (length > Array.MaxLength)
        {
            throw Corrupt.At(format, 0, $"the file is {length} bytes, more than this reader holds in memory ({Array.MaxLength})");
        }
        return File.ReadAllBytes(path);
    }

    /// <summary>Copies the rest of <paramref name="stream"/> into an array (bounded by what the stream really holds).</summary>
    public static byte[] ReadAll(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream is MemoryStream ms && ms.TryGetBuffer(out var segment))
        {
            var start = (int)ms.Position;
            ms.Position = ms.Length;
            return segment.AsSpan(start, segment.Count - start).ToArray();
        }
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
