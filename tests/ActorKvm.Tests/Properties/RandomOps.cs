using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;
using CsCheck;

namespace ActorKvm.Tests.Properties;

/// <summary>One memslot of a generated layout.</summary>
/// <param name="Backing">What backs its VMA.</param>
/// <param name="Size">Bytes (2M..8M, a 2M multiple so hugetlb-2M VMAs are valid).</param>
/// <param name="GpaOffset">0, or 4K to make IPA and HVA non-congruent (blocks refused).</param>
/// <param name="Logging">Created with KVM_MEM_LOG_DIRTY_PAGES.</param>
/// <param name="Shared">MAP_SHARED (file and hugetlb; shmem is always shared).</param>
public sealed record SlotSpec(BackingKind Backing, ulong Size, ulong GpaOffset, bool Logging, bool Shared = false)
{
    public override string ToString() => $"{Backing.ToScenarioName()}/{Sizes.Format(Size)}{(GpaOffset != 0 ? "+4K" : "")}{(Logging ? "/log" : "")}{(Shared ? "/shared" : "")}";
}

/// <summary>Operation kinds of a generated single-threaded sequence.</summary>
public enum OpKind
{
    GuestRead, GuestWrite, GuestExec, GuestAtomic,
    Migrate, ThpSplit, ThpSplitFolio, ThpCollapse, MadviseDontneed, SwapOut, MprotectRo, MprotectRw,
    HostWrite, HostRead, Age, LogEnable, LogDisable, LogGet, MemslotMove,
}

/// <summary>One generated operation: slot and page are reduced modulo the layout when run.</summary>
public sealed record Op(OpKind Kind, int Slot, int Page, ulong Value)
{
    public override string ToString() => $"{Kind}(s{Slot},p{Page}{(Kind is OpKind.GuestWrite or OpKind.HostWrite ? $",{Value}" : "")})";
}

/// <summary>Runs a layout and an operation sequence to completion on the pure model, checking as it goes.</summary>
public sealed class RandomOpsRunner
{
    public const ulong HvaBase = 0x7f00_0000_0000;
    public const ulong GpaBase = 0x4000_0000;
    public const ulong MovedGpaBase = 0x1_0000_0000;
    public const ulong Stride = 16 * Sizes.PmdSize / 2; // 16M per slot

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

    private static ulong Hva(int i) => HvaBase + (ulong)i * Stride;
    private ulong Gpa(int i) => (_moved[i] ? MovedGpaBase : GpaBase) + (ulong)i * Stride + _slots[i].GpaOffset;

    public void Run(IEnumerable<Op> ops)
    {
        var step = 0;
        foreach (var op in ops)
        {
            Kvm.Oracle.Context = $"ops[{step++}] {op}";
            Apply(op);
            Kvm.Oracle.Check();
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
        var i = op.Slot % _slots.Length;
        var s = _slots[i];
        var pages = (int)(s.Size / Sizes.PageSize);
        var page = (ulong)(op.Page % pages);
        var hva = Hva(i) + page * Sizes.PageSize;
        var gpa = Gpa(i) + page * Sizes.PageSize;
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
                    if (kind == AccessKind.Write) _expected[hva] = op.Value;
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
                    var start = hva;
                    var size = 4 * Sizes.PageSize;
                    if (start + size > Hva(i) + s.Size) size = Hva(i) + s.Size - start;
                    if (s.Backing.IsHugetlb()) { start = (hva & ~(Sizes.PmdSize - 1)); size = Sizes.PmdSize; }
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
    private static readonly BackingKind[] Backings = [BackingKind.Anon, BackingKind.Thp, BackingKind.Hugetlb2M, BackingKind.Shmem, BackingKind.File];

    public static readonly Gen<SlotSpec> GenSlot =
        Gen.Select(Gen.Int[0, Backings.Length - 1], Gen.Int[1, 4], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Bool,
            (b, mb2, off, log, shared) => new SlotSpec(Backings[b], (ulong)mb2 * Sizes.PmdSize, off == 0 ? Sizes.PageSize : 0, log == 0, shared));

    // Guest accesses are weighted up so most sequences actually map, split and dirty pages.
    public static readonly Gen<OpKind> GenKind = Gen.Frequency(
        (6, Gen.OneOf(OpKind.GuestRead, OpKind.GuestWrite)),
        (1, Gen.Enum<OpKind>()));

    // A few hot pages per 2M region so writes are read back, plus anywhere in the slot.
    public static readonly Gen<int> GenPage = Gen.Frequency((2, Gen.Int[0, 7]), (1, Gen.Int[512, 519]), (1, Gen.Int[0, 2047]));

    public static readonly Gen<Op> GenOp =
        Gen.Select(GenKind, Gen.Int[0, 2], GenPage, Gen.Int[1, 1_000_000],
            (k, s, p, v) => new Op(k, s, p, (ulong)v));

    private static string Print(SlotSpec[] slots, Op[] ops) =>
        $"slots [{string.Join(", ", slots.AsEnumerable())}] ops [{string.Join(", ", ops.AsEnumerable())}]";

    [Fact]
    public void RandomSingleThreadedSequences_LeaveNoViolationAndNoReference()
    {
        var stats = new RandomOpsRunner.Coverage();
        Gen.Select(GenSlot.Array[1, 3], GenOp.Array[1, 40])
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
        Gen.Select(GenSlot.Array[1, 3], GenOp.Array[1, 40])
            .Sample((slots, ops) => new RandomOpsRunner(slots, config).Run(ops),
                iter: 100, print: t => Print(t.Item1, t.Item2));
    }

    [Fact]
    public void RandomSequencesWithManualProtectInitiallySet_LeaveNoViolation()
    {
        var config = new KvmConfig(ManualDirtyProtect: true, InitiallyAllSet: true);
        Gen.Select(GenSlot.Array[1, 3], GenOp.Array[1, 40])
            .Sample((slots, ops) => new RandomOpsRunner(slots, config).Run(ops),
                iter: 100, print: t => Print(t.Item1, t.Item2));
    }
}
