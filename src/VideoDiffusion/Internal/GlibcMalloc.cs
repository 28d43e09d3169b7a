using System.Runtime.InteropServices;

namespace VideoDiffusion.Internal;

/// <summary>glibc's <c>mallopt(3)</c>.</summary>
internal static class GlibcMalloc
{
    /// <summary><c>M_TRIM_THRESHOLD</c>.</summary>
    public const int TrimThreshold = -1;

    /// <summary><c>M_MMAP_THRESHOLD</c>.</summary>
    public const int MmapThreshold = -3;

    /// <summary>Sets one allocator parameter; returns 1 on success, 0 on failure.</summary>
    [DllImport("libc.so.6", EntryPoint = "mallopt")]
    public static extern int mallopt(int param, int value);
}
