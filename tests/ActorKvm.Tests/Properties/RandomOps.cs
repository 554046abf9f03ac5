using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;
using ActorKvm.Stress.Diff;
using CsCheck;

namespace ActorKvm.Tests.Properties;

/// <summary>Runs a layout and an operation sequence to completion on the pure model, checking as it goes.</summary>
public sealed class RandomOpsRunner
{
    private readonly TestVm _vm;
    private readonly SlotSpec[] _slots;
    private readonly bool[] _moved;
    private readonly Dictionary<ulong, ulong> _expected = []; // hva page -> last value written

    /// <summary>What the sequences exercised (guards against a vacuous property).</summary>
    public sealed class Coverage
    {
        public int Maps, Blocks, Relaxes, Retries, ReadBacks, HostChanges;
    }

    public Coverage? Stats { get; init; }

    public RandomOpsRunner(SlotSpec[] slots, KvmConfig? config = null)
    {
        _slots = slots;
        _moved = new bool[slots.Length];
        _vm = new TestVm(config);
        for (var i = 0; i < slots.Length; i++)
        {
            var s = slots[i];
            _vm.Vma(Hva(i), s.Size, s.Backing, shared: s.Shared);
            _vm.Slot(i, Gpa(i), s.Size, Hva(i), s.Logging ? MemslotFlags.LogDirtyPages : MemslotFlags.None);
        }
    }

    public Kvm Kvm => _vm.Kvm;

    private static ulong Hva(int i) => RandomOpGen.Hva(i);
    private ulong Gpa(int i) => RandomOpGen.Gpa(i, _moved[i], _slots[i]);

    public void Run(IEnumerable<Op> ops)
    {
        var step = 0;
        foreach (var op in ops)
        {
            Kvm.Oracle.Context = $"ops[{step++}] {op}";
            Apply(op);
            Kvm.Oracle.Check();
            Kvm.Oracle.CheckReferencesPut();
            Assert.True(Kvm.Oracle.Violations.Count == 0, $"{Kvm.Oracle.Context}: {string.Join("; ", Kvm.Oracle.Violations)}");
            Assert.Equal(0, Kvm.OutstandingFaultRefs);
            Assert.True(Kvm.MmuLock.IsFree, "mmu_lock held after an operation completed");
        }
        Kvm.Oracle.Context = "end";
        Kvm.Oracle.CheckAll();
        Assert.True(Kvm.Oracle.Violations.Count == 0, string.Join("; ", Kvm.Oracle.Violations));
        Assert.Equal(0, Kvm.OutstandingFaultRefs);
        Assert.Equal(0, Kvm.Notifier.MmuInvalidateInProgress);
        Assert.Equal(0, Kvm.Notifier.MnActiveInvalidateCount);
    }

    private void Apply(Op op)
    {
        var (i, _, hva, gpa) = RandomOpGen.Resolve(_slots, _moved, op);
        var s = _slots[i];
        switch (op.Kind)
        {
            case OpKind.GuestRead:
            case OpKind.GuestWrite:
            case OpKind.GuestExec:
            case OpKind.GuestAtomic:
                {
                    var kind = op.Kind switch
                    {
                        OpKind.GuestRead => AccessKind.Read,
                        OpKind.GuestWrite => AccessKind.Write,
                        OpKind.GuestExec => AccessKind.Exec,
                        _ => AccessKind.Atomic,
                    };
                    var a = _vm.Start(gpa, kind, op.Value);
                    Drive.ToEnd(a);
                    Assert.NotEqual(AccessExitKind.Livelock, a.Exit.Kind);
                    Assert.True(a.Exit.Kind is AccessExitKind.Ok || a.Exit.Name == "efault", $"unexpected exit {a.Exit.Name} for {op}");
                    if (Stats is { } c)
                    {
                        foreach (var f in a.Faults)
                        {
                            if (f == FaultResult.Map) Interlocked.Increment(ref c.Maps);
                            if (f == FaultResult.Relax) Interlocked.Increment(ref c.Relaxes);
                            if (f == FaultResult.Retry) Interlocked.Increment(ref c.Retries);
                        }
                        if (a.Exit.Kind == AccessExitKind.Ok && Kvm.Pgt.GetLeaf(new Ipa(gpa)) is { Valid: true, Leaf.IsBlock: true })
                            Interlocked.Increment(ref c.Blocks);
                    }
                    if (a.Exit.Kind != AccessExitKind.Ok) break;
                    if (kind.StoresValue()) _expected[hva] = op.Value; // an atomic stores its value too (a swap)
                    if (kind == AccessKind.Read && _expected.TryGetValue(hva, out var want))
                    {
                        Assert.Equal(want, a.ReadValue);
                        if (Stats is { } c2) Interlocked.Increment(ref c2.ReadBacks);
                    }
                    break;
                }
            case OpKind.Migrate: RunHost(Model.Host.HostOp.Migrate, hva, Sizes.PageSize); break;
            case OpKind.ThpSplit: RunHost(Model.Host.HostOp.ThpSplit, hva, Sizes.PageSize); break;
            case OpKind.ThpSplitFolio: RunHost(Model.Host.HostOp.ThpSplitFolio, hva, Sizes.PageSize); break;
            case OpKind.ThpCollapse: RunHost(Model.Host.HostOp.ThpCollapse, hva, Sizes.PageSize); break;
            case OpKind.SwapOut: RunHost(Model.Host.HostOp.SwapOut, (hva & ~(Sizes.PmdSize - 1)), Sizes.PmdSize); break;
            case OpKind.MadviseDontneed:
                {
                    // Content of the range is discarded on purpose: forget what we expect there.
                    var (start, size) = RandomOpGen.DontneedRange(s, i, hva);
                    RunHost(Model.Host.HostOp.MadviseDontneed, start, size);
                    foreach (var k in _expected.Keys.Where(k => k >= start && k < start + size).ToList()) _expected.Remove(k);
                    break;
                }
            case OpKind.MprotectRo: RunHost(Model.Host.HostOp.Mprotect, Hva(i), s.Size, HostProt.Read); break;
            case OpKind.MprotectRw: RunHost(Model.Host.HostOp.Mprotect, Hva(i), s.Size, HostProt.Read | HostProt.Write); break;
            case OpKind.HostWrite:
                {
                    var w = new HostAccess(Kvm, _vm.NextId(), new Hva(hva), true, op.Value);
                    Drive.ToEnd(w);
                    if (w.Result == Errno.Ok) _expected[hva] = op.Value;
                    break;
                }
            case OpKind.HostRead:
                {
                    var value = _vm.HostRead(hva);
                    if (_expected.TryGetValue(hva, out var want))
                    {
                        Assert.Equal(want, value);
                        if (Stats is { } c) Interlocked.Increment(ref c.ReadBacks);
                    }
                    break;
                }
            case OpKind.Age:
                Drive.ToEnd(new AgeOperation(Kvm, _vm.NextId(), new Ipa(Gpa(i)), s.Size));
                break;
            case OpKind.LogEnable:
            case OpKind.LogDisable:
                {
                    var u = _vm.SetFlags(i, op.Kind == OpKind.LogEnable ? MemslotFlags.LogDirtyPages : MemslotFlags.None);
                    Drive.ToEnd(u);
                    Assert.Equal(Errno.Ok, u.Result);
                    break;
                }
            case OpKind.LogGet:
                {
                    var d = new DirtyLogIoctl(Kvm, _vm.NextId(), i, clear: false);
                    Drive.ToEnd(d);
                    Assert.True(d.Result is Errno.Ok or Errno.ENOENT, $"dirty log get: {d.Result}");
                    break;
                }
            case OpKind.MemslotMove:
                {
                    _moved[i] = !_moved[i];
                    var cur = Kvm.Memslots.ById(i)!;
                    var u = new MemslotUpdate(Kvm, _vm.NextId(), new MemslotRequest(i, new Ipa(Gpa(i)), cur.Size, cur.UserspaceAddr, cur.Flags));
                    Drive.ToEnd(u);
                    Assert.Equal(Errno.Ok, u.Result);
                    break;
                }
        }
    }

    private void RunHost(Model.Host.HostOp op, ulong hva, ulong size, HostProt prot = HostProt.None)
    {
        var seq = Kvm.Notifier.MmuInvalidateSeq;
        var h = _vm.HostOp(op, hva, size, prot);
        Drive.ToEnd(h);
        if (Stats is { } c && Kvm.Notifier.MmuInvalidateSeq != seq) Interlocked.Increment(ref c.HostChanges);
    }
}

/// <summary>CsCheck properties over random layouts and single-threaded operation sequences.</summary>
public class RandomOpsProperties
{
    private static string Print(SlotSpec[] slots, Op[] ops) =>
        $"slots [{string.Join(", ", slots.AsEnumerable())}] ops [{string.Join(", ", ops.AsEnumerable())}]";

    [Fact]
    public void RandomSingleThreadedSequences_LeaveNoViolationAndNoReference()
    {
        var stats = new RandomOpsRunner.Coverage();
        RandomOpGen.GenSequence
            .Sample((slots, ops) => new RandomOpsRunner(slots) { Stats = stats }.Run(ops),
                iter: 200, print: t => Print(t.Item1, t.Item2));
        // The property is only worth something if the sequences map, promote, relax, retry and read back. The bounds sit
        // well under what 200 random samples give (host changes ~140 +- 15; 100 failed about one run in a hundred).
        Assert.True(stats.Maps > 1000 && stats.Blocks > 50 && stats.Relaxes > 10 && stats.Retries > 10 && stats.ReadBacks > 100 && stats.HostChanges > 50,
            $"maps {stats.Maps} blocks {stats.Blocks} relaxes {stats.Relaxes} retries {stats.Retries} readbacks {stats.ReadBacks} host-changes {stats.HostChanges}");
    }

    [Fact]
    public void RandomSequencesWithEagerSplitAndCacheDic_LeaveNoViolation()
    {
        var config = new KvmConfig(CacheDic: true, EagerSplitChunk: Sizes.PmdSize);
        RandomOpGen.GenSequence
            .Sample((slots, ops) => new RandomOpsRunner(slots, config).Run(ops),
                iter: 100, print: t => Print(t.Item1, t.Item2));
    }

    [Fact]
    public void RandomSequencesWithManualProtectInitiallySet_LeaveNoViolation()
    {
        var config = new KvmConfig(ManualDirtyProtect: true, InitiallyAllSet: true);
        RandomOpGen.GenSequence
            .Sample((slots, ops) => new RandomOpsRunner(slots, config).Run(ops),
                iter: 100, print: t => Print(t.Item1, t.Item2));
    }
}
