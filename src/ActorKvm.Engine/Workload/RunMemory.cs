using System.Diagnostics;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// A run's memory, for soak reports: resident set size at the start (after the VM and actors exist) and at the end,
/// the process's peak RSS (Linux <c>VmHWM</c>), and the managed heap after a full collection at both ends, which
/// separates growth of live data from the runtime's retained pages.
/// </summary>
/// <param name="RssStart">RSS in bytes when the workload started.</param>
/// <param name="RssEnd">RSS in bytes after the final check.</param>
/// <param name="RssPeak">Peak RSS of the process in bytes.</param>
/// <param name="HeapStart">Managed heap in bytes (after a full GC) when the workload started.</param>
/// <param name="HeapEnd">Managed heap in bytes (after a full GC) after the final check.</param>
public sealed record RunMemory(long RssStart, long RssEnd, long RssPeak, long HeapStart, long HeapEnd)
{
    /// <summary>Samples the start of a run.</summary>
    public static (long Rss, long Heap) Sample()
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var p = Process.GetCurrentProcess();
        return (p.WorkingSet64, heap);
    }

    /// <summary>Samples the end of a run started at <paramref name="start"/>.</summary>
    public static RunMemory Since((long Rss, long Heap) start)
    {
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var p = Process.GetCurrentProcess();
        return new RunMemory(start.Rss, p.WorkingSet64, p.PeakWorkingSet64, start.Heap, heap);
    }
}
