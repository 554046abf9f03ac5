using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// The choices of the stress workload, independent of the engine that runs them: every vCPU runs a closed loop
/// of random guest accesses; after every <c>InvalidateEvery</c> finished accesses the host runs a random MM
/// operation (migrate, THP split/collapse, MADV_DONTNEED, swap-out, aging); dirty logging is toggled and
/// harvested and a slot is moved back and forth. All choices come from one seed, drawn in the order activities
/// finish. The actor engine's <see cref="WorkloadActor"/> and the baselines drive the same instance type, so
/// they run the same workload. Not thread-safe: its owner serialises the calls.
/// </summary>
public sealed class WorkloadDriver
{
    private readonly WorkloadOptions _o;
    private readonly Kvm _kvm;
    private readonly Action<Activity> _issue;
    private readonly FaultLatencyRecorder? _latency;
    private readonly SplitMix64 _rng;
    private readonly IReadOnlyList<(int Id, ulong Gpa, ulong Size, ulong Hva, BackingKind Backing)> _slots;
    private readonly bool[] _vcpuBusy;
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
        _o = options;
        _kvm = kvm;
        _issue = issue;
        _latency = latency;
        _rng = new SplitMix64(options.Seed);
        _slots = WorkloadVm.Layout(options);
        _vcpuBusy = new bool[options.Vcpus];
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
        switch (activity)
        {
            case GuestAccess a:
                Stats.Accesses++;
                foreach (var r in a.Faults)
                {
                    Stats.Faults++;
                    Stats.ByResult[r] = Stats.ByResult.GetValueOrDefault(r) + 1;
                }
                Stats.ByExit[a.Exit.Name] = Stats.ByExit.GetValueOrDefault(a.Exit.Name) + 1;
                _latency?.Finished(a);
                _vcpuBusy[a.Vcpu.Index] = false;
                _busyVcpus--;
                if (_o.QueueHostOps) IssueOwedHostOp();
                else if (_o.InvalidateEvery > 0 && Stats.Accesses % _o.InvalidateEvery == 0) IssueHostOp();
                if ((_o.DirtyLog || _o.MemslotChurn) && Stats.Accesses % 64 == 0) IssueMemslotOp();
                IssueAccess(a.Vcpu.Index);
                break;
            case HostOperation or AgeOperation:
                Stats.HostOps++;
                _hostBusy = false;
                if (_o.QueueHostOps)
                {
                    IssueOwedHostOp();
                    for (var v = 0; v < _o.Vcpus; v++) IssueAccess(v); // those held back by the backlog
                }
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

    private void IssueAccess(int vcpu)
    {
        if (_stopping || Stats.Faults >= _o.MaxFaults || _vcpuBusy[vcpu]) return;
        if (_o.QueueHostOps && DueHostOps() - _hostOpsIssued > MaxHostBacklog) return; // the guest may not run ahead of the host
        var (gpa, _) = RandomPage();
        var kind = _rng.Below(10) switch { < 5 => AccessKind.Write, < 9 => AccessKind.Read, _ => AccessKind.Exec };
        _vcpuBusy[vcpu] = true;
        _busyVcpus++;
        _latency?.Issued(vcpu);
        _issue(new GuestAccess(_kvm, _nextId++, _kvm.Vcpus[vcpu], new Ipa(CurrentGpa(gpa)), kind, _rng.Next() | 1));
    }

    private void IssueHostOp()
    {
        if (_stopping || _hostBusy) return;
        var (_, hva) = RandomPage();
        var h = new Hva(hva);
        Activity op = _rng.Below(7) switch
        {
            0 => new HostOperation(_kvm, _nextId++, HostOp.Migrate, h, Sizes.PageSize, HostProt.None),
            1 => new HostOperation(_kvm, _nextId++, HostOp.ThpSplit, h, Sizes.PageSize, HostProt.None),
            2 => new HostOperation(_kvm, _nextId++, HostOp.ThpCollapse, h, Sizes.PageSize, HostProt.None),
            3 => new HostOperation(_kvm, _nextId++, HostOp.MadviseDontneed, h.AlignDown(Sizes.PageSize), Sizes.PageSize, HostProt.None),
            4 => new HostOperation(_kvm, _nextId++, HostOp.SwapOut, h.AlignDown(Sizes.PageSize), Sizes.PageSize, HostProt.None),
            5 => new HostOperation(_kvm, _nextId++, HostOp.ThpSplitFolio, h, Sizes.PageSize, HostProt.None),
            _ => new AgeOperation(_kvm, _nextId++, new Ipa(_slots[0].Gpa), _slots[0].Size),
        };
        _hostBusy = true;
        _issue(op);
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
        var first = _slots[0];
        var last = _slots[^1];
        Activity op;
        if (_o.DirtyLog && step == 0)
            op = new MemslotUpdate(_kvm, _nextId++, new MemslotRequest(first.Id, new Ipa(first.Gpa), first.Size, new Hva(first.Hva), MemslotFlags.LogDirtyPages));
        else if (_o.DirtyLog && step == 1)
            op = new DirtyLogIoctl(_kvm, _nextId++, first.Id, clear: false);
        else if (_o.DirtyLog && step == 2)
            op = new MemslotUpdate(_kvm, _nextId++, new MemslotRequest(first.Id, new Ipa(first.Gpa), first.Size, new Hva(first.Hva), MemslotFlags.None));
        else if (_o.MemslotChurn && _slots.Count > 1)
        {
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

    /// <summary>A random page of a random slot: its canonical GPA and its HVA.</summary>
    private (ulong Gpa, ulong Hva) RandomPage()
    {
        var s = _slots[_rng.Below(_slots.Count)];
        var off = _rng.Below(s.Size / Sizes.PageSize) * Sizes.PageSize;
        return (s.Gpa + off, s.Hva + off);
    }

    /// <summary>Where the guest finds that page now (the churned slot may have moved).</summary>
    private ulong CurrentGpa(ulong gpa) =>
        _moved && _slots.Count > 1 && gpa >= _slots[^1].Gpa && gpa < _slots[^1].Gpa + _slots[^1].Size ? gpa + WorkloadVm.MoveOffset : gpa;
}
