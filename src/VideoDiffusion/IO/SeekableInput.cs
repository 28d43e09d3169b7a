namespace VideoDiffusion.IO;

/// <summary>Gives stream readers a known length: seekable streams are used as they are, others are copied to memory first.</summary>
internal static class SeekableInput
{
    /// <summary>
    /// <paramref name="stream"/> itself when it can seek, else a <see cref="MemoryStream"/> with its remaining bytes
    /// (<paramref name="owned"/> tells whether the caller must dispose the result).
    /// </summary>
    public static Stream Of(Stream stream, out bool owned)
    {
        if (stream.CanSeek)
        {
            owned = false;
            return stream;
        }
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        owned = true;
        return copy;
    }
}
