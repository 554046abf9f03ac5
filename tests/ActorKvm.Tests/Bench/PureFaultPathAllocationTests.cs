using System.Runtime.CompilerServices;
using ActorKvm.Bench.PureFaultPath;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;

namespace ActorKvm.Tests.Bench;

/// <summary>
/// Issue 7's allocation budget for the pure fault path, counted in bytes on this thread (deterministic, no timing):
/// a fault allocates at most one object — the host page (a <see cref="Folio"/>) when it faults one in — besides
/// page-table growth, and nothing at all when it only relaxes permissions or sets the access flag. The oracle runs
/// after every fault, as in the benchmarks.
/// </summary>
public class PureFaultPathAllocationTests
{
    private const ulong Faults = 2048;

    [Theory]
    [InlineData(FaultKind.PermissionRelax, FaultResult.Relax)]
    [InlineData(FaultKind.AccessFlag, FaultResult.Young)]
    public void FaultOnMappedLeaf_AllocatesNothing(FaultKind kind, FaultResult expected)
    {
        var loop = new FaultLoop(kind, Faults);
        Drain(loop); // first use: JIT, lazily built tables
        loop.Arm();
        var perFault = Drain(loop);
        Assert.Equal(expected, loop.LastResult);
        Assert.Empty(loop.Kvm.Oracle.Violations);
        Assert.All(perFault, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(FaultKind.Write4K)]
    [InlineData(FaultKind.Thp2M)]
    public void TranslationFault_AllocatesOnlyItsHostPage_BesidesTableGrowth(FaultKind kind)
    {
        Drain(new FaultLoop(kind, Faults)); // first use: JIT, static state
        var loop = new FaultLoop(kind, Faults);
        var perFault = Drain(loop);
        Assert.Equal(FaultResult.Map, loop.LastResult);
        Assert.Empty(loop.Kvm.Oracle.Violations);
        var folio = FolioBytes();
        // Every fault allocates its folio; table growth (a stage-2 table, a host PTE page, a dictionary resize) comes on
        // top for a few faults only, so nearly all of them allocate exactly one folio and nothing else.
        Assert.All(perFault, b => Assert.True(b >= folio, $"{b} B, less than a folio ({folio} B)"));
        var exact = perFault.Count(b => b == folio);
        Assert.True(exact >= perFault.Length * 9 / 10, $"only {exact} of {perFault.Length} faults allocated exactly one folio ({folio} B)");
    }

    /// <summary>Runs the loop's batch, returning the bytes each fault (and its oracle check) allocated.</summary>
    private static long[] Drain(FaultLoop loop)
    {
        var bytes = new List<long>((int)Faults);
        while (true)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            if (!loop.FaultNext()) break;
            bytes.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return [.. bytes];
    }

    private static long FolioBytes()
    {
        RuntimeHelpers.GetUninitializedObject(typeof(Folio)); // warm the path
        var before = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(RuntimeHelpers.GetUninitializedObject(typeof(Folio)));
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
