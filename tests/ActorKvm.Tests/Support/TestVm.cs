using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;

namespace ActorKvm.Tests.Support;

/// <summary>A small VM builder for rule tests on the pure model.</summary>
public sealed class TestVm
{
    public const ulong SlotGpa = 0x4000_0000;
    public const ulong SlotHva = 0x7f00_0000_0000;
    private int _nextId = 1;

    /// <summary>A VM with <paramref name="bugs"/> switched on (none by default).</summary>
    public TestVm(KvmConfig? config = null, BugSet? bugs = null) => Kvm = new Kvm(config ?? new KvmConfig(), bugs);

    public Kvm Kvm { get; }

    public TestVm Vma(ulong hva, ulong size, BackingKind backing, HostProt prot = HostProt.Read | HostProt.Write, bool shared = false)
    {
        Kvm.Mm.Mmap(new Hva(hva), size, backing, prot, shared);
        return this;
    }

    public TestVm Slot(int id, ulong gpa, ulong size, ulong hva, MemslotFlags flags = MemslotFlags.None)
    {
        var u = new MemslotUpdate(Kvm, _nextId++, new MemslotRequest(id, new Ipa(gpa), size, new Hva(hva), flags));
        var r = u.RunToEnd();
        Assert.Equal(StepStatus.Done, r.Status);
        Assert.Equal(Errno.Ok, u.Result);
        return this;
    }

    /// <summary>One slot of <paramref name="size"/> at the standard addresses over one VMA of that backing.</summary>
    public static TestVm WithSlot(BackingKind backing, ulong size, KvmConfig? config = null, MemslotFlags flags = MemslotFlags.None, BugSet? bugs = null) =>
        new TestVm(config, bugs).Vma(SlotHva, size, backing).Slot(0, SlotGpa, size, SlotHva, flags);

    public GuestAccess Access(ulong gpa, AccessKind kind, ulong value = 0, int vcpu = 0)
    {
        var a = new GuestAccess(Kvm, _nextId++, Kvm.Vcpus[vcpu], new Ipa(gpa), kind, value);
        var r = a.RunToEnd();
        Assert.Equal(StepStatus.Done, r.Status);
        Kvm.Oracle.Check();
        return a;
    }

    public GuestAccess Start(ulong gpa, AccessKind kind, ulong value = 0, int vcpu = 0) =>
        new(Kvm, _nextId++, Kvm.Vcpus[vcpu], new Ipa(gpa), kind, value);

    public HostOperation HostOp(HostOp op, ulong hva, ulong size = Sizes.PageSize, HostProt prot = HostProt.None) =>
        new(Kvm, _nextId++, op, new Hva(hva), size, prot);

    public Errno RunHostOp(HostOp op, ulong hva, ulong size = Sizes.PageSize, HostProt prot = HostProt.None)
    {
        var h = HostOp(op, hva, size, prot);
        Assert.Equal(StepStatus.Done, h.RunToEnd().Status);
        Kvm.Oracle.Check();
        return h.Result;
    }

    public MemslotUpdate SetFlags(int id, MemslotFlags flags)
    {
        var s = Kvm.Memslots.ById(id)!;
        return new MemslotUpdate(Kvm, _nextId++, new MemslotRequest(id, s.Gpa, s.Size, s.UserspaceAddr, flags));
    }

    public DirtyLogIoctl GetDirtyLog(int slot)
    {
        var d = new DirtyLogIoctl(Kvm, _nextId++, slot, clear: false);
        Assert.Equal(StepStatus.Done, d.RunToEnd().Status);
        Kvm.Oracle.Check();
        return d;
    }

    public ulong HostRead(ulong hva)
    {
        var h = new HostAccess(Kvm, _nextId++, new Hva(hva), false, 0);
        h.RunToEnd();
        return h.Value;
    }

    public int NextId() => _nextId++;

    public IReadOnlyList<string> Violations => Kvm.Oracle.Violations.Select(v => v.Kind.Name()).ToList();

    /// <summary>The kinds of the violations reported so far, in order.</summary>
    public List<ViolationKind> Kinds => Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    public ActorKvm.Model.Stage2.S2Walk Leaf(ulong gpa) => Kvm.Pgt.GetLeaf(new Ipa(gpa));
}
