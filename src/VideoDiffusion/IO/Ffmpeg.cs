using System.Diagnostics;
using System.Text;

namespace VideoDiffusion.IO;

/// <summary>
/// Finds and runs the ffmpeg executable, with frames piped as raw bytes over stdin/stdout (no temporary files). When
/// ffmpeg is missing, <see cref="Locate"/> throws an <see cref="InvalidOperationException"/> that says how to install it
/// and that GIF output needs nothing external.
/// </summary>
public static class Ffmpeg
{
    /// <summary>Whether ffmpeg can be found with <paramref name="options"/>; never throws.</summary>
    public static bool IsAvailable(FfmpegOptions? options = null) => TryFind("ffmpeg", (options ?? FfmpegOptions.Default).ExecutablePath, null) is not null;

    /// <summary>The full path of the ffmpeg executable.</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is not at <see cref="FfmpegOptions.ExecutablePath"/> or on <c>PATH</c>; the message says how to install it.</exception>
    public static string Locate(FfmpegOptions? options = null)
    {
        var explicitPath = (options ?? FfmpegOptions.Default).ExecutablePath;
        return TryFind("ffmpeg", explicitPath, null) ?? throw Missing("ffmpeg", explicitPath);
    }

    /// <summary>The full path of ffprobe: <see cref="FfmpegOptions.ProbePath"/>, else next to ffmpeg, else on <c>PATH</c>.</summary>
    /// <exception cref="InvalidOperationException">ffprobe (or ffmpeg) cannot be found; the message says how to install it.</exception>
    internal static string LocateProbe(FfmpegOptions options)
    {
        var ffmpeg = Locate(options);
        return TryFind("ffprobe", options.ProbePath, Path.GetDirectoryName(ffmpeg)) ?? throw Missing("ffprobe", options.ProbePath);
    }

    private static InvalidOperationException Missing(string tool, string? explicitPath) => new(
        $"{tool} was not found ({(explicitPath is null ? "searched the PATH" : $"no executable at '{explicitPath}'")}). " +
        "MP4 reading and writing run the ffmpeg executable (which brings ffprobe). Install it with " +
        "'sudo apt-get install -y ffmpeg' (Debian/Ubuntu), 'brew install ffmpeg' (macOS) or 'winget install ffmpeg' (Windows), " +
        "or point FfmpegOptions.ExecutablePath at it. GIF output (Gif.Write, VideoExport.SaveGif) needs nothing external.");

    private static string? TryFind(string tool, string? explicitPath, string? preferredDirectory)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath) ? Path.GetFullPath(explicitPath) : null;
        }
        var names = OperatingSystem.IsWindows() ? new[] { tool + ".exe", tool } : new[] { tool };
        var directories = new List<string>();
        if (preferredDirectory is not null)
        {
            directories.Add(preferredDirectory);
        }
        directories.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var directory in directories)
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(directory.Trim('"'), name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>The outcome of one run: exit code, all of stdout (when captured; empty when a consumer read it) and the tail of stderr.</summary>
    internal sealed record Result(int ExitCode, byte[] Output, string Errors);

    /// <summary>
    /// Runs <paramref name="executable"/> with <paramref name="arguments"/>, feeding <paramref name="input"/> (if any) to
    /// stdin, with a timeout and cancellation; the process is killed if either fires. Stdout goes to
    /// <paramref name="output"/> as it arrives when one is given (the consumer bounds what it keeps; if it throws, the
    /// process is killed at once and the exception rethrown, so a full pipe never waits for the timeout), else it is
    /// collected (for small outputs such as ffprobe's).
    /// </summary>
    internal static Result Run(string executable, IEnumerable<string> arguments, Action<Stream>? input, TimeSpan timeout, CancellationToken cancellationToken,
        Action<Stream>? output = null)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{executable}'.");
        var errors = new StringBuilder();
        var errorTask = Task.Run(() =>
        {
            string? line;
            while ((line = process.StandardError.ReadLine()) is not null)
            {
                if (errors.Length < 16_384)
                {
                    errors.AppendLine(line);
                }
            }
        });
        var outputTask = Task.Run(() =>
        {
            if (output is not null)
            {
                output(process.StandardOutput.BaseStream);
                return [];
            }
            using var collected = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(collected);
            return collected.ToArray();
        });
        var inputTask = input is null
            ? Task.CompletedTask
            : Task.Run(() =>
            {
                try
                {
                    using var stdin = process.StandardInput.BaseStream;
                    input(stdin);
                }
                catch (IOException)
                {
                    // ffmpeg closed its input early; its exit code and stderr say why.
                }
            });
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            var exited = process.WaitForExitAsync(timeoutSource.Token);
            if (Task.WhenAny(exited, outputTask).GetAwaiter().GetResult() == outputTask && outputTask.IsFaulted)
            {
                // The consumer refused the output (e.g. more than it allows): stop the process instead of letting it
                // block on a full pipe until the timeout.
                Stop(process);
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(outputTask.Exception!.InnerException!);
            }
            exited.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            Stop(process);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{Path.GetFileName(executable)}' did not finish within {timeout}; it was stopped.");
        }
        try
        {
            Task.WaitAll(errorTask, outputTask, inputTask);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        return new Result(process.ExitCode, outputTask.Result, errors.ToString().Trim());
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        process.WaitForExit();
    }
}
