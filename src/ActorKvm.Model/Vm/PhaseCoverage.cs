using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;

namespace ActorKvm.Model.Vm;

/// <summary>
/// Which races a run exercised: for every (fault phase, concurrent host or memslot phase) pair, how many times that
/// host/memslot phase ran while a fault was in flight having last completed that fault phase — e.g. a
/// <c>range-start</c> between a fault's <c>vma-snapshot</c> and its <c>pfn-faultin</c> counts for
/// (<c>vma-snapshot</c>, <c>range-start</c>). Fed by <see cref="Activity.Step"/> under the VM's gate; a fixed-size
/// table, so observing a step allocates nothing, and the counts are as deterministic as the schedule.
/// </summary>
public sealed class PhaseCoverage
{
    /// <summary>
    /// The concurrent phases: the notifier's <c>range-start</c>/<c>host-change</c>/<c>range-end</c>, the memslot
    /// update's phases, and the one-step host and memslot activities (aging, mmap, page-table freeing, GET_DIRTY_LOG,
    /// a VMM access, the clear of a second MTE tag initialiser after its <c>mte-claim</c>; <c>no-invalidation</c> is a
    /// host operation that changed no present PTE).
    /// </summary>
    public static readonly string[] ConcurrentPhases =
        [.. PhaseNames.HostOp, .. PhaseNames.MemslotOp, "no-invalidation", "age", "mmap", "free-page-tables", "dirty-log", "host-access",
         .. PhaseNames.MteSync, "mte-sync"];

    private static readonly int FaultPhases = PhaseNames.Fault.Length;
    private readonly long[] _counts = new long[FaultPhases * ConcurrentPhases.Length];
    private readonly int[] _inFlight = new int[FaultPhases]; // faults in flight by the fault phase they last completed
    private readonly Dictionary<int, int> _faultPhaseOf = []; // activity id -> last completed fault phase

    /// <summary>The count for one pair.</summary>
    public long this[int faultPhase, int concurrentPhase] => _counts[faultPhase * ConcurrentPhases.Length + concurrentPhase];

    /// <summary>Pairs seen at least once.</summary>
    public int Covered => _counts.Count(c => c > 0);

    /// <summary>All pairs.</summary>
    public static int Possible => PhaseNames.Fault.Length * ConcurrentPhases.Length;

    /// <summary>The pairs seen, as (fault phase, concurrent phase, count), fault phases in order.</summary>
    public IEnumerable<(string FaultPhase, string Concurrent, long Count)> Pairs()
    {
        for (var f = 0; f < FaultPhases; f++)
            for (var c = 0; c < ConcurrentPhases.Length; c++)
                if (this[f, c] is var n and > 0) yield return (PhaseNames.Fault[f], ConcurrentPhases[c], n);
    }

    /// <summary>The counts pair by pair, fault phase major (a cluster hunt carries a range's coverage between processes).</summary>
    public long[] ToCounts() => (long[])_counts.Clone();

    /// <summary>A coverage holding <paramref name="counts"/> as <see cref="ToCounts"/> gave them.</summary>
    /// <exception cref="ArgumentException">The array is not one count per pair.</exception>
    public static PhaseCoverage FromCounts(IReadOnlyList<long> counts)
    {
        if (counts.Count != Possible) throw new ArgumentException($"expected {Possible} counts, got {counts.Count}", nameof(counts));
        var c = new PhaseCoverage();
        for (var i = 0; i < counts.Count; i++) c._counts[i] = counts[i];
        return c;
    }

    /// <summary>Adds <paramref name="other"/>'s counts (a hunt sums its schedules).</summary>
    public void Add(PhaseCoverage other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
    }

    /// <summary>One step of <paramref name="a"/> ended with <paramref name="r"/>.</summary>
    public void Observe(Activity a, in StepResult r)
    {
        if (r.Status == StepStatus.Blocked) return; // nothing ran
        if (a is GuestAccess g)
        {
            // The phase a fault step completed is its result's phase; a finished access (or fault) is in flight no more.
            ObserveFault(g.Id, g.IsDone || r.Phase is null ? -1 : Array.IndexOf(PhaseNames.Fault, r.Phase));
            return;
        }
        var c = Concurrent(a, r.Phase);
        if (c < 0) return;
        for (var f = 0; f < FaultPhases; f++)
            if (_inFlight[f] > 0) _counts[f * ConcurrentPhases.Length + c] += _inFlight[f];
    }

    private void ObserveFault(int id, int completed)
    {
        if (_faultPhaseOf.Remove(id, out var was)) _inFlight[was]--;
        if (completed < 0 || completed == (int)FaultPhase.Complete) return;
        _faultPhaseOf[id] = completed;
        _inFlight[completed]++;
    }

    private static int Concurrent(Activity a, string? phase)
    {
        var name = phase ?? a switch
        {
            HostOperation => "no-invalidation",
            AgeOperation => "age",
            HostMmap => "mmap",
            HostFreePageTables => "free-page-tables",
            DirtyLogIoctl => "dirty-log",
            HostAccess => "host-access",
            MteSyncTags => "mte-sync",
            _ => null,
        };
        return name is null ? -1 : Array.IndexOf(ConcurrentPhases, name);
    }
}
