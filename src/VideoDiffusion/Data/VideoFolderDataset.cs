using VideoDiffusion.IO;
using static TorchSharp.torch;

namespace VideoDiffusion.Data;

/// <summary>
/// A folder of clips, one clip per entry in ordinal name order: an animated GIF (<c>*.gif</c>), an MP4 (<c>*.mp4</c>,
/// decoded with ffmpeg) or a subdirectory of PNG frames (<c>clip_017/0000.png, 0001.png, …</c>, sorted by name).
/// Clips are decoded on every <see cref="Get"/> (nothing is cached) and returned as RGB <c>[3, T, H, W]</c> in
/// <c>[-1, 1]</c>. Clips may differ in length and size; give the loader an augmentation (temporal and spatial crop or
/// resize) so the clips of a batch agree. With <see cref="VideoFolderOptions.ClassSubdirectories"/> the root holds one
/// subdirectory per class.
/// </summary>
public sealed class VideoFolderDataset : IVideoDataset
{
    private readonly (string Path, ClipKind Kind, int Label)[] _clips;
    private readonly string[] _classes;

    /// <summary>Lists the clips of <paramref name="root"/> (the files are read later, by <see cref="Get"/>).</summary>
    /// <param name="root">The folder.</param>
    /// <param name="options">Reading options; null = defaults.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ArgumentException">The folder (or a class subdirectory) holds no clip, or a <c>*.gif</c> / <c>*.mp4</c> entry is empty or not a regular file (a FIFO would block reading forever).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="VideoFolderOptions.MaxFrames"/> is less than 1.</exception>
    public VideoFolderDataset(string root, VideoFolderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Options = options ?? new VideoFolderOptions();
        if (Options.MaxFrames is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(Options.MaxFrames));
        }
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Clip folder '{root}' does not exist.");
        }
        Root = root;
        _classes = Options.ClassSubdirectories ? Sorted(Directory.GetDirectories(root)) : [];
        var clips = new List<(string, ClipKind, int)>();
        if (Options.ClassSubdirectories)
        {
            for (var label = 0; label < _classes.Length; label++)
            {
                var found = List(_classes[label]);
                if (found.Count == 0)
                {
                    throw new ArgumentException($"Class folder '{_classes[label]}' holds no clip (*.gif, *.mp4 or a folder of *.png).", nameof(root));
                }
                clips.AddRange(found.Select(c => (c.Path, c.Kind, label)));
            }
        }
        else
        {
            clips.AddRange(List(root).Select(c => (c.Path, c.Kind, -1)));
        }
        if (clips.Count == 0)
        {
            throw new ArgumentException($"Folder '{root}' holds no clip (*.gif, *.mp4 or a folder of *.png).", nameof(root));
        }
        _clips = [.. clips];
    }

    /// <summary>The folder.</summary>
    public string Root { get; }

    /// <summary>The reading options.</summary>
    public VideoFolderOptions Options { get; }

    /// <summary>Class names (subdirectory names) by label; empty without class subdirectories.</summary>
    public IReadOnlyList<string> Classes => _classes.Select(Path.GetFileName).ToArray()!;

    /// <summary>The clip paths, by index.</summary>
    public IReadOnlyList<string> Paths => _clips.Select(c => c.Path).ToArray();

    /// <inheritdoc />
    public int Count => _clips.Length;

    /// <inheritdoc />
    public int NumClasses => _classes.Length;

    /// <inheritdoc />
    public string Description => $"VideoFolderDataset('{Root}', clips={Count}, classes={NumClasses}, maxFrames={Options.MaxFrames?.ToString() ?? "all"})";

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The clip's file is not a valid GIF/PNG (the message names it).</exception>
    /// <exception cref="InvalidOperationException">An MP4 clip needs ffmpeg, which was not found.</exception>
    public VideoExample Get(int index)
    {
        ClipChecks.RequireIndex(index, Count);
        TorchBackend.EnsureAvailable();
        var (path, kind, label) = _clips[index];
        VideoFrames frames;
        try
        {
            frames = kind switch
            {
                ClipKind.Gif => Gif.Read(path).Frames,
                ClipKind.Mp4 => Mp4.Read(path, new Mp4ReadOptions { Ffmpeg = Options.Ffmpeg }).Frames,
                _ => Png.ReadFolder(path),
            };
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }
        using var scope = NewDisposeScope();
        var clip = VideoTensors.FromFrames(frames.ToRgb());
        if (Options.MaxFrames is { } max && clip.shape[1] > max)
        {
            clip = clip.slice(1, 0, max, 1).contiguous();
        }
        return new VideoExample(clip.MoveToOuterDisposeScope(), label >= 0 ? label : null);
    }

    private static string[] Sorted(IEnumerable<string> paths) => paths.OrderBy(p => Path.GetFileName(p), StringComparer.Ordinal).ToArray();

    private static List<(string Path, ClipKind Kind)> List(string folder)
    {
        var clips = new List<(string, ClipKind)>();
        foreach (var path in Sorted(Directory.GetFileSystemEntries(folder)))
        {
            if (Directory.Exists(path))
            {
                if (Directory.EnumerateFiles(path, "*.png").Any())
                {
                    clips.Add((path, ClipKind.PngFolder));
                }
                continue;
            }
            var extension = Path.GetExtension(path);
            var kind = extension.Equals(".gif", StringComparison.OrdinalIgnoreCase) ? ClipKind.Gif
                : extension.Equals(".mp4", StringComparison.OrdinalIgnoreCase) ? ClipKind.Mp4
                : (ClipKind?)null;
            if (kind is { } k)
            {
                RequireRegularFile(path, paramName: "root");
                clips.Add((path, k));
            }
        }
        return clips;
    }

    /// <summary>
    /// Refuses a clip name that is not a non-empty regular file. .NET does not report FIFOs, sockets or devices as
    /// such, but their length is 0, and opening a FIFO for reading blocks until a writer appears: without this check
    /// <see cref="Get"/> would wait forever. An empty file is no clip either, so the length test is exact enough.
    /// </summary>
    private static void RequireRegularFile(string path, string paramName)
    {
        var info = new FileInfo(path);
        if ((info.Attributes & FileAttributes.Directory) != 0 || info.Length == 0)
        {
            throw new ArgumentException(
                $"'{path}' is not a regular file with data (0 bytes: empty, or a FIFO, socket or device, which would block or never end when read); expected a GIF or MP4 file. Remove it from the folder.",
                paramName);
        }
    }

    private enum ClipKind
    {
        Gif,
        Mp4,
        PngFolder,
    }
}
