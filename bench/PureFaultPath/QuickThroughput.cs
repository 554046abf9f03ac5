using System.Diagnostics;

namespace ActorKvm.Bench.PureFaultPath;

/// <summary>
/// <c>--quick</c> / <c>--quick-faults</c>: a Stopwatch loop over the pure fault path, per <see cref="FaultKind"/>.
/// Only the faults are timed and counted (<see cref="FaultLoop.Arm"/>'s preparation is not): faults/s, bytes
/// allocated per fault on this thread, and with <c>profile</c> the allocation-tick breakdown by type.
/// </summary>
public static class QuickThroughput
{
    private const int Batch = PureFaultPathBenchmarks.Batch;

    public static void Run(bool profile = false)
    {
        using var ticks = profile ? new AllocationTicks() : null;
        foreach (var kind in Enum.GetValues<FaultKind>())
        {
            var batches = kind is FaultKind.Thp2M ? 4 : 16;
            var loop = new FaultLoop(kind, Batch);
            Measure(ref loop, 2); // warm-up
            for (var round = 0; round < 3; round++)
            {
                ticks?.Clear();
                if (ticks is not null) ticks.Recording = true;
                var (n, elapsed, bytes) = Measure(ref loop, batches);
                if (ticks is not null) ticks.Recording = false;
                Console.WriteLine($"{kind,-16} round {round}: {n} faults, {n / elapsed.TotalSeconds,10:F0} faults/s, {bytes / (double)n,6:F1} B/fault, " +
                    $"last result {loop.LastResult}, violations {loop.Kvm.Oracle.Violations.Count}");
                if (ticks is not null)
                    foreach (var (type, count) in ticks.ByType().Take(8)) Console.WriteLine($"    {count,6} ticks  {type}");
            }
        }
    }

    /// <summary>Runs <paramref name="batches"/> batches, re-arming between them (untimed), timing and counting only the faults.</summary>
    private static (long Faults, TimeSpan Elapsed, long Bytes) Measure(ref FaultLoop loop, int batches)
    {
        long n = 0, bytes = 0, ticks = 0;
        for (var b = 0; b < batches; b++)
        {
            if (b > 0) loop = loop.ForNextBatch();
            var before = GC.GetAllocatedBytesForCurrentThread();
            var start = Stopwatch.GetTimestamp();
            while (loop.FaultNext()) n++;
            ticks += Stopwatch.GetTimestamp() - start;
            bytes += GC.GetAllocatedBytesForCurrentThread() - before;
        }
        loop = loop.ForNextBatch();
        return (n, Stopwatch.GetElapsedTime(0, ticks), bytes);
    }
}
