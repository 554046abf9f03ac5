using System.Runtime.InteropServices;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// The choices of the stress workload, independent of the engine that runs them: every vCPU runs a closed loop
/// of random guest accesses (loads, stores, instruction fetches, exclusive/atomic accesses; half of them near the
/// vCPU's previous page); after every <c>InvalidateEvery</c> finished accesses the host runs a random MM
/// operation (migrate, THP split/collapse, MADV_DONTNEED, swap-out, aging, munmap and re-mmap of a slot's VMA or
/// one mmap(MAP_FIXED) over it, memory_failure), half the time on the page a vCPU touched last; dirty logging is toggled and harvested on a
/// random slot and a slot is moved back and forth. All choices come from one seed, drawn in the order activities
/// finish. The actor engine's <see cref="WorkloadActor"/> and the baselines drive the same instance type, so
/// they run the same workload. Not thread-safe: its owner serialises the calls.
/// </summary>
public sealed partial class WorkloadDriver
{
    private readonly WorkloadOptions _o;
    private readonly Kvm _kvm;
    private readonly Action<Activity> _issue;
    private readonly NestedL2? _nested;
    private readonly FaultLatencyRecorder? _latency;
    private readonly SplitMix64 _rng;
    private readonly IReadOnlyList<WorkloadSlot> _slots;
    private readonly int _main;          // _slots[.._main] are the main slots; the rest the odd ones
    private readonly int _churn;         // the slot that moves (the last main slot), or -1
    private readonly BackingKind[] _backing; // what backs each slot's VMA now (a remap may change it)
    private (int Slot, BackingKind Backing, ulong Hva, ulong Size)? _remap; // the mmap that follows a munmap, due when it finishes
    private readonly int _big;           // ReachOps: a slot larger than 2M that moves, is deleted and re-created, or -1
    private int _bigState;               // 0 at home, 1 moved, 2 deleted
    private int _churnTurn;
    private int _logSlot;
    private (int Slot, ulong Offset) _lastPage; // the page of the latest access: the host often works where the guest does
    private readonly bool[] _vcpuBusy;
    private readonly (int Slot, ulong Offset)[] _vcpuPage; // each vCPU's latest page (guests revisit their working set)
    private readonly GuestAccess?[] _finished; // each vCPU's latest finished access, counted and read: restarted as its next one
    private int _busyVcpus;
    private int _nextId = 1_000;
    private bool _hostBusy;
    private long _hostOpsIssued; // QueueHostOps: host operations started so far
    private bool _memslotBusy;
    private bool _stopping;
    private int _memslotStep;
    private bool _moved;

    /// <summary>
    /// Creates the workload over <paramref name="kvm"/>; every activity it starts goes to <paramref name="issue"/>
    /// (the engine runs it and reports back through <see cref="Finished"/>). Counts into <paramref name="stats"/>
    /// if given; times faulting accesses into <paramref name="latency"/> if given.
    /// </summary>
    public WorkloadDriver(WorkloadOptions options, Kvm kvm, Action<Activity> issue, WorkloadStats? stats = null, FaultLatencyRecorder? latency = null)
    {
        Stats = stats ?? new WorkloadStats();
        Stats.Coverage = kvm.Coverage;
        Stats.Reach = kvm.Oracle.Reach;
        _o = options.Protected ? options with { DirtyLog = false, MemslotChurn = false } : options; // see ProtectedWorkload.Note
        _kvm = kvm;
        _issue = issue;
        _latency = latency;
        _rng = new SplitMix64(options.Seed);
        _slots = WorkloadVm.LiveSlots(options, kvm);
        _main = _slots.Count(s => s.Id < options.EffectiveBackings.Count);
        _churn = _o.MemslotChurn && _main > 1 ? _main - 1 : -1;
        if (options.Nested) _issue = (_nested = new NestedL2(kvm, _slots, _churn >= 0 ? _slots[_churn] : null, issue)).Issue;
        _backing = _slots.Select(s => s.Backing).ToArray();
        _big = _o.ReachOps && _o.MemslotChurn ? BigSlot() : -1;
        _vcpuBusy = new bool[options.Vcpus];
        _vcpuPage = new (int, ulong)[options.Vcpus];
        _finished = new GuestAccess?[options.Vcpus];
    }

    /// <summary>The counters.</summary>
    public WorkloadStats Stats { get; }

    /// <summary>True once the budget is spent (or a stop was asked) and nothing is in flight.</summary>
    public bool IsFinished
    {
        get
        {
            var exhausted = _stopping || Stats.Faults >= _o.MaxFaults;
            var hostWorkDone = !_o.QueueHostOps || _stopping || _hostOpsIssued >= HostOpBudget;
            return exhausted && hostWorkDone && !_hostBusy && !_memslotBusy && _busyVcpus == 0;
        }
    }

    /// <summary>Issues the first access of every vCPU.</summary>
    public void Start()
    {
        for (var v = 0; v < _o.Vcpus; v++) IssueAccess(v);
    }

    /// <summary>A host operation is due (<c>--invalidate-rate</c>'s clock): start one unless one is still running.</summary>
    public void HostOpDue() => IssueHostOp();

    /// <summary>Stop issuing work; what is in flight finishes.</summary>
    public void Stop() => _stopping = true;

    /// <summary>An issued activity finished: count it and issue what follows.</summary>
    public void Finished(Activity activity)
    {
        if (_nested?.Finished(activity) == true) return;
        switch (activity)
        {
            case GuestAccess a:
                Stats.Accesses++;
                var faults = a.Faults; // by index: a foreach over the interface boxed an enumerator per access
                for (var i = 0; i < faults.Count; i++)
                {
                    Stats.Faults++;
                    Count(Stats.ByResult, faults[i]);
                }
                Count(Stats.ByExit, a.Exit.Name);
                // A cause reads memslots and VMAs (other threads step the model under its lock); a completed access has none.
                if (a.Exit.Kind != AccessExitKind.Ok)
                    lock (_kvm) if (OutcomeCauses.Of(_kvm, a) is { } cause) Count(Stats.ExitCauses, cause);
                _latency?.Finished(a);
                _vcpuBusy[a.Vcpu.Index] = false;
                _busyVcpus--;
                if (_nested is null) _finished[a.Vcpu.Index] = a; // counted and read: its next access reuses it
                if (_o.QueueHostOps) IssueOwedHostOp();
                else if (_o.InvalidateEvery > 0 && Stats.Accesses % _o.InvalidateEvery == 0) IssueHostOp();
                if ((_o.DirtyLog || _o.MemslotChurn) && Stats.Accesses % 64 == 0) IssueMemslotOp();
                IssueAccess(a.Vcpu.Index);
                break;
            case HostOperation or AgeOperation or HostMmap or MteSyncTags or HostAccess:
                if (activity is HostOperation { Result: not Errno.Ok } failed)
                {
                    Count(Stats.HostOpErrors, failed.Result.ToScenarioName());
                    Count(Stats.HostOpErrorCauses, OutcomeCauses.Of(failed.Op, failed.Result));
                }
                if (IssueRemap() || IssueRestore()) break; // munmap then mmap, mprotect and back: one host operation, counted when the second is done
                Stats.HostOps++;
                _hostBusy = false;
                if (_o.QueueHostOps)
                {
                    IssueOwedHostOp();
                    for (var v = 0; v < _o.Vcpus; v++) IssueAccess(v); // those held back by the backlog
                }
                break;
            case PreFaultMemory p:
                _vcpuBusy[p.Vcpu.Index] = false;
                _busyVcpus--;
                IssueAccess(p.Vcpu.Index);
                break;
            case DirtyLogIoctl d:
                Stats.DirtyPagesHarvested += d.Pages.Count;
                Stats.MemslotOps++;
                _memslotBusy = false;
                break;
            case MemslotUpdate:
                Stats.MemslotOps++;
                _memslotBusy = false;
                break;
        }
    }

    /// <summary>One more of <paramref name="key"/> (one hash lookup: this runs for every finished access).</summary>
    private static void Count<TKey>(Dictionary<TKey, long> counts, TKey key) where TKey : notnull =>
        CollectionsMarshal.GetValueRefOrAddDefault(counts, key, out _)++;

    private void IssueAccess(int vcpu)
    {
        if (_stopping || Stats.Faults >= _o.MaxFaults || _vcpuBusy[vcpu]) return;
        if (_o.QueueHostOps && DueHostOps() - _hostOpsIssued > MaxHostBacklog) return; // the guest may not run ahead of the host
        // Half the time the vCPU stays on its latest page or a neighbour (a read then a write, an aged page touched
        // again), else a random page.
        var (slot, off) = _vcpuPage[vcpu] = _lastPage = _rng.Below(2) == 0 && _slots.Count > 0 ? Near(_vcpuPage[vcpu]) : RandomPage();
        // Mostly loads and stores; some instruction fetches and exclusive/atomic accesses (FSC 0x35 on memory
        // that cannot take them: the data abort injected by user_mem_abort).
        var kind = _rng.Below(20) switch { < 9 => AccessKind.Write, < 16 => AccessKind.Read, < 18 => AccessKind.Exec, _ => AccessKind.Atomic };
        // An MTE guest also colours its memory (STG: a write for stage 2), a non-zero tag a wiped tag would lose.
        if (_o.Mte && _rng.Below(8) == 0) kind = AccessKind.TagWrite;
        var value = _rng.Next() | 1;
        if (kind == AccessKind.TagWrite) value = 1 + value % 15;
        _vcpuBusy[vcpu] = true;
        _busyVcpus++;
        if (_o.ReachOps && _rng.Below(16) == 0)
        {
            // KVM_PRE_FAULT_MEMORY of 1..8 pages from this page (page- but rarely block-aligned), clipped to the slot.
            var pages = Math.Min(1UL + (ulong)_rng.Below(8), (_slots[slot].Size - off) / Sizes.PageSize);
            _issue(new PreFaultMemory(_kvm, _nextId++, _kvm.Vcpus[vcpu], new Ipa(CurrentGpa(slot) + off), pages * Sizes.PageSize));
            return;
        }
        _latency?.Issued(vcpu);
        var (previous, gpa) = (_finished[vcpu], new Ipa(CurrentGpa(slot) + off));
        _finished[vcpu] = null;
        _issue(previous?.Restart(_nextId++, gpa, kind, value) ?? new GuestAccess(_kvm, _nextId++, _kvm.Vcpus[vcpu], gpa, kind, value));
    }

    private void IssueHostOp()
    {
        if (_stopping || _hostBusy) return;
        // Half the time the page a vCPU touched last (reclaim, migration and zaps hit the guest's working set), else
        // any page.
        var (slot, off) = _rng.Below(2) == 0 ? _lastPage : RandomPage();
        var s = _slots[slot];
        var h = new Hva(s.Hva + off);
        Activity op;
        if (_o.Mte && _backing[slot] == BackingKind.Shmem && _rng.Below(2) == 0)
        {
            // The VMM touches the shared memory through its PROT_MTE alias where the guest works (virtio buffers): a
            // second tag initialiser, on the page or a neighbour the guest may touch next.
            op = new MteSyncTags(_kvm, _nextId++, new Hva(s.Hva + Near((slot, off)).Offset));
        }
        else
        {
            op = PickHostOp(slot, off, s, h);
        }
        _hostBusy = true;
        _issue(op);
    }

    /// <summary>A notifier-side host operation on <paramref name="h"/> (slot <paramref name="slot"/>, offset <paramref name="off"/>).</summary>
    private Activity PickHostOp(int slot, ulong off, WorkloadSlot s, Hva h)
    {
        if (PickVmmOp(slot, s, h) is { } vmm) return vmm;
        Activity op;
        // Aging (clear_young from reclaim's LRU scan) is the most frequent notifier a guest sees: two draws in ten.
        var pick = _rng.Below(10);
        switch (_o.Protected ? ProtectedWorkload.HostOp(pick) : pick)
        {
            case 0: op = new HostOperation(_kvm, _nextId++, HostOp.Migrate, h, Sizes.PageSize, HostProt.None); break;
            case 1: op = new HostOperation(_kvm, _nextId++, HostOp.ThpSplit, h, Sizes.PageSize, HostProt.None); break;
            case 2: op = new HostOperation(_kvm, _nextId++, HostOp.ThpCollapse, h, Sizes.PageSize, HostProt.None); break;
            case 3: op = new HostOperation(_kvm, _nextId++, HostOp.MadviseDontneed, h, Sizes.PageSize, HostProt.None); break;
            case 4: op = new HostOperation(_kvm, _nextId++, HostOp.SwapOut, h, Sizes.PageSize, HostProt.None); break;
            case 5: op = new HostOperation(_kvm, _nextId++, HostOp.ThpSplitFolio, h, Sizes.PageSize, HostProt.None); break;
            case 6 or 9:
                {
                    // kvm_age_gfn over the 2M window around the page (clear_young of a PMD's worth of PTEs).
                    var start = Math.Min(off & ~(Sizes.PmdSize - 1), s.Size - Math.Min(s.Size, Sizes.PmdSize));
                    op = new AgeOperation(_kvm, _nextId++, new Ipa(CurrentGpa(slot) + start), Math.Min(s.Size, Sizes.PmdSize));
                    break;
                }
            case 7:
                // The VMM replaces a slot's memory: munmap of the whole VMA, then (when that finished) an mmap of the
                // same range, or one mmap(MAP_FIXED) over it (MapFixedReplace). A hugetlb VMA is sometimes replaced by
                // anonymous memory (the hugetlb pool ran dry) and restored by the next replacement.
                var original = s.Backing;
                var next = _backing[slot] != original ? original
                    : original.IsHugetlb() && _rng.Below(2) == 0 ? BackingKind.Anon : original;
                if (_o.MapFixedReplace)
                {
                    _backing[slot] = next;
                    op = new HostOperation(_kvm, _nextId++, new Hva(s.VmaHva), s.VmaSize, next, HostProt.Read | HostProt.Write);
                    break;
                }
                if (_o.ReachOps && !_backing[slot].IsHugetlb() && _rng.Below(2) == 0)
                {
                    // One page unmapped inside whatever maps it (a THP or device block: a partial-block unmap), then mapped again.
                    var page = h.AlignDown(Sizes.PageSize).Value;
                    _remap = (slot, _backing[slot], page, Sizes.PageSize);
                    op = new HostOperation(_kvm, _nextId++, HostOp.Munmap, new Hva(page), Sizes.PageSize, HostProt.None);
                    break;
                }
                _remap = (slot, next, s.VmaHva, s.VmaSize);
                op = new HostOperation(_kvm, _nextId++, HostOp.Munmap, new Hva(s.VmaHva), s.VmaSize, HostProt.None);
                break;
            default:
                // memory_failure on one page (rare: a poisoned page stays poisoned until its VMA is replaced).
                op = _rng.Below(4) == 0
                    ? new HostOperation(_kvm, _nextId++, HostOp.Poison, h, Sizes.PageSize, HostProt.None)
                    : new HostOperation(_kvm, _nextId++, HostOp.Migrate, h, Sizes.PageSize, HostProt.None);
                break;
        }
        return op;
    }

    /// <summary>The munmap of a replacement finished: map the range again (the host stays busy until then).</summary>
    private bool IssueRemap()
    {
        if (_remap is not { } r) return false;
        _remap = null;
        _backing[r.Slot] = r.Backing;
        _issue(new HostMmap(_kvm, _nextId++, new Hva(r.Hva), r.Size, r.Backing, HostProt.Read | HostProt.Write, shared: false));
        return true;
    }

    /// <summary>QueueHostOps: the host operations of the whole run, one per <c>InvalidateEvery</c> faults of the budget.</summary>
    private long HostOpBudget => _o.InvalidateEvery <= 0 || _o.MaxFaults == long.MaxValue ? 0 : _o.MaxFaults / _o.InvalidateEvery;

    /// <summary>QueueHostOps: the host operations the fault count has made due so far (all of them once the faults are done).</summary>
    private long DueHostOps()
    {
        var budget = HostOpBudget;
        if (budget == 0) return 0;
        return Stats.Faults >= _o.MaxFaults ? budget : Math.Min(budget, Stats.Faults / _o.InvalidateEvery);
    }

    /// <summary>
    /// QueueHostOps: how many due host operations may wait before vCPUs stop issuing accesses. Without a bound an
    /// engine that starves its host side (the lock-based baseline's notifier thread behind the vCPUs' readers) would
    /// run its faults first and its invalidations after, uncontended: equal work but not equal contention.
    /// </summary>
    private const long MaxHostBacklog = 1;

    /// <summary>QueueHostOps: starts the next host operation if one is owed and none runs (they run one at a time, in order).</summary>
    private void IssueOwedHostOp()
    {
        if (_hostBusy || _hostOpsIssued >= DueHostOps()) return;
        IssueHostOp();
        if (_hostBusy) _hostOpsIssued++;
    }

    private void IssueMemslotOp()
    {
        if (_stopping || _memslotBusy) return;
        _memslotBusy = true;
        var step = _memslotStep++ % 4;
        Activity op;
        if (_o.DirtyLog && step == 0)
        {
            // Logging flips on a random slot that may log (not PFNMAP, not the one that moves).
            _logSlot = PickLogSlot();
            op = LogUpdate(_slots[_logSlot], MemslotFlags.LogDirtyPages);
        }
        else if (_o.DirtyLog && step == 1)
            op = Harvest();
        else if (_o.DirtyLog && step == 2)
            op = LogUpdate(_slots[_logSlot], MemslotFlags.None);
        else if (_o.ReachOps && _big >= 0 && (_churnTurn++ & 1) == 1)
            op = BigSlotOp();
        else if (_churn >= 0)
        {
            var last = _slots[_churn];
            _moved = !_moved;
            var gpa = _moved ? last.Gpa + WorkloadVm.MoveOffset : last.Gpa;
            op = new MemslotUpdate(_kvm, _nextId++, new MemslotRequest(last.Id, new Ipa(gpa), last.Size, new Hva(last.Hva), MemslotFlags.None));
        }
        else
        {
            _memslotBusy = false;
            return;
        }
        _issue(op);
    }

    /// <summary>The first slot larger than 2M that neither is the churned one nor PFNMAP, or -1.</summary>
    private int BigSlot()
    {
        for (var i = 0; i < _slots.Count; i++)
            if (_slots[i].Size > Sizes.PmdSize && i != _churn && !_slots[i].Backing.IsPfnMap()) return i;
        return -1;
    }

    /// <summary>ReachOps: the large slot moves away, is deleted there, and is created again at home (kvm_set_memslot's three paths).</summary>
    private MemslotUpdate BigSlotOp()
    {
        var s = _slots[_big];
        var (gpa, size) = _bigState switch
        {
            0 => (s.Gpa + WorkloadVm.MoveOffset, s.Size),
            1 => (s.Gpa + WorkloadVm.MoveOffset, 0UL),
            _ => (s.Gpa, s.Size),
        };
        _bigState = (_bigState + 1) % 3;
        return new MemslotUpdate(_kvm, _nextId++, new MemslotRequest(s.Id, new Ipa(gpa), size, new Hva(s.Hva), MemslotFlags.None));
    }

    private MemslotUpdate LogUpdate(WorkloadSlot s, MemslotFlags flags) =>
        new(_kvm, _nextId++, new MemslotRequest(s.Id, new Ipa(s.Gpa), s.Size, new Hva(s.Hva), flags));

    /// <summary>A slot that may log: like <see cref="RandomPage"/>'s choice (mostly a main slot), never PFNMAP nor the moving slot.</summary>
    private int PickLogSlot()
    {
        for (var tries = 0; tries < 8; tries++)
        {
            var (i, _) = RandomPage();
            if (i != _churn && i != _big && !_slots[i].Backing.IsPfnMap()) return i;
        }
        return 0;
    }

    /// <summary>
    /// A random page: a main slot three times in four, else one of the odd-shaped slots. Returns the slot's index
    /// and the page's offset into the slot.
    /// </summary>
    private (int Slot, ulong Offset) RandomPage()
    {
        var odd = _slots.Count - _main;
        var i = odd > 0 && _rng.Below(4) == 0 ? _main + (int)_rng.Below(odd) : (int)_rng.Below(_main);
        return (i, _rng.Below(_slots[i].Size / Sizes.PageSize) * Sizes.PageSize);
    }

    /// <summary>The same page (half the time) or one of its 4K neighbours inside the slot.</summary>
    private (int Slot, ulong Offset) Near((int Slot, ulong Offset) p)
    {
        var delta = _rng.Below(4) switch { 0 => -1L, 1 => 1L, _ => 0L }; // the same page half the time
        var off = (long)p.Offset + delta * (long)Sizes.PageSize;
        return off < 0 || (ulong)off >= _slots[p.Slot].Size ? p : (p.Slot, (ulong)off);
    }

    /// <summary>Where the guest finds slot <paramref name="slot"/> now (the churned slot may have moved).</summary>
    private ulong CurrentGpa(int slot) =>
        (_moved && slot == _churn) || (slot == _big && _bigState == 1) ? _slots[slot].Gpa + WorkloadVm.MoveOffset : _slots[slot].Gpa;
}
