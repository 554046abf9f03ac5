using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;
using Akka.TestKit;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Shared steps of the bug-switch TestKit pairs: a gated VM with one switch on or off, the activities the
/// <c>scenarios/bugs</c> steps need (created with harness ids, run only when the gate steps them), and the
/// oracle assertions (typed violation with the switch on, none with it off).
/// </summary>
public static class BugTwin
{
    /// <summary>The set with only <paramref name="bug"/> on, or none when <paramref name="on"/> is false.</summary>
    public static BugSet Switch(string bug, bool on) => on ? new BugSet([bug]) : BugSet.None;

    /// <summary>A gated VM built by <paramref name="build"/> with switch <paramref name="bug"/> on or off.</summary>
    public static InterleavingHarness Vm(TestKitBase kit, string bug, bool on, Func<BugSet, TestVm> build)
    {
        Assert.True(BugCatalog.Find(bug) is { Modelled: true }, $"'{bug}' is not a modelled switch");
        return new InterleavingHarness(kit, build(Switch(bug, on)));
    }

    /// <summary>One slot of <paramref name="size"/> at the standard addresses over one VMA of <paramref name="backing"/>.</summary>
    public static InterleavingHarness Slot(TestKitBase kit, string bug, bool on, BackingKind backing, ulong size,
        KvmConfig? config = null, MemslotFlags flags = MemslotFlags.None) =>
        Vm(kit, bug, on, b => TestVm.WithSlot(backing, size, config, flags, b));

    /// <summary>Runs the oracle's full check and returns the distinct violation kinds reported so far.</summary>
    public static IReadOnlyList<ViolationKind> Violations(InterleavingHarness h) =>
        h.Read(k =>
        {
            k.Oracle.CheckAll();
            return k.Oracle.Violations.Select(v => v.Kind).Distinct().ToList();
        });

    /// <summary>The oracle reports <paramref name="kind"/>.</summary>
    public static void AssertViolation(InterleavingHarness h, ViolationKind kind) => Assert.Contains(kind, Violations(h));

    /// <summary>The oracle reports exactly <paramref name="kind"/> and nothing else.</summary>
    public static void AssertOnlyViolation(InterleavingHarness h, ViolationKind kind) => Assert.Equal([kind], Violations(h));

    /// <summary>The oracle reports nothing and every fault reference was released.</summary>
    public static void AssertNoViolation(InterleavingHarness h) => h.AssertCleanAndBalanced();

    /// <summary>Sets (or clears) dirty logging on slot <paramref name="slot"/>, stepped to its end.</summary>
    public static void SetLogging(InterleavingHarness h, int slot, bool on)
    {
        var s = h.Kvm.Memslots.ById(slot)!;
        var u = h.SetFlags(slot, on ? s.Flags | MemslotFlags.LogDirtyPages : s.Flags & ~MemslotFlags.LogDirtyPages);
        h.StepToEnd(u);
        Assert.Equal(Errno.Ok, u.Result);
    }

    /// <summary>A <c>KVM_SET_USER_MEMORY_REGION</c> creating a slot.</summary>
    public static MemslotUpdate CreateSlot(InterleavingHarness h, int id, ulong gpa, ulong size, ulong hva) =>
        new(h.Kvm, h.Vm.NextId(), new MemslotRequest(id, new Ipa(gpa), size, new Hva(hva), MemslotFlags.None));

    /// <summary>A host <c>mmap</c>.</summary>
    public static HostMmap Mmap(InterleavingHarness h, ulong hva, ulong size, BackingKind backing) =>
        new(h.Kvm, h.Vm.NextId(), new Hva(hva), size, backing, HostProt.Read | HostProt.Write, shared: false);

    /// <summary>A host step freeing page-table pages without an invalidation.</summary>
    public static HostFreePageTables FreePageTables(InterleavingHarness h, ulong hva, ulong size) =>
        new(h.Kvm, h.Vm.NextId(), new Hva(hva), size);

    /// <summary>A second MTE tag initialiser of the shared page behind <paramref name="hva"/> (<c>mte_sync_tags</c>).</summary>
    public static MteSyncTags MteSyncTags(InterleavingHarness h, ulong hva) => new(h.Kvm, h.Vm.NextId(), new Hva(hva));

    /// <summary>The aging notifier (<c>kvm_age_gfn</c>) over a range.</summary>
    public static AgeOperation Age(InterleavingHarness h, ulong gpa, ulong size) => new(h.Kvm, h.Vm.NextId(), new Ipa(gpa), size);

    /// <summary>Host operation <paramref name="op"/> stepped to its end; asserts it succeeded.</summary>
    public static void HostOpToEnd(InterleavingHarness h, HostOp op, ulong hva, ulong size = Sizes.PageSize)
    {
        var o = h.HostOp(op, hva, size);
        h.StepToEnd(o);
        Assert.Equal(Errno.Ok, o.Result);
    }
}
