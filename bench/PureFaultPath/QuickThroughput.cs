using System.Diagnostics;

namespace ActorKvm.Bench.PureFaultPath;

/// <summary><c>dotnet run --project bench -c Release -- --quick</c>: a Stopwatch loop over the pure fault path.</summary>
public static class QuickThroughput
{
    public static void Run()
    {
        const ulong bytes = 4UL << 30; // 1M pages of sparse guest memory
        for (var round = 0; round < 3; round++)
        {
            var loop = new FaultLoop(bytes);
            for (var i = 0; i < 20_000; i++) loop.FaultNext(); // warm-up
            var before = GC.GetAllocatedBytesForCurrentThread();
            var gcBefore = GC.CollectionCount(0);
            var sw = Stopwatch.StartNew();
            long n = 0;
            while (n < 500_000 && loop.FaultNext()) n++;
            sw.Stop();
            var bytesPerFault = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)n;
            Console.WriteLine($"round {round}: {n} 4K write faults in {sw.Elapsed.TotalMilliseconds:F0} ms = {n / sw.Elapsed.TotalSeconds:F0} faults/s, {bytesPerFault:F0} B allocated per fault, gen0 GCs {GC.CollectionCount(0) - gcBefore}, violations {loop.Kvm.Oracle.Violations.Count}");
        }
    }
}
