namespace VideoDiffusion.Tests.TestSupport;

/// <summary>Counts native tensors alive on the current thread, to assert that loops leak none.</summary>
internal static class LiveTensors
{
    /// <summary>Tensors created and not yet disposed on this thread (TorchSharp's own statistics).</summary>
    public static long Count => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>Runs <paramref name="action"/> and returns how many more tensors are alive afterwards.</summary>
    public static long Growth(Action action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = Count;
        action();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Count - before;
    }
}
