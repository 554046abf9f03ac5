using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>Turns a scenario step into the model activity that performs it.</summary>
public static class StepActivities
{
    /// <summary>The activity for <paramref name="step"/>, or null for steps the runner handles itself (check, stage2, resume, join).</summary>
    public static Activity? Create(Kvm kvm, int id, StepSpec step) => step switch
    {
        AccessStep a => new Model.Fault.GuestAccess(kvm, id, kvm.Vcpus[a.Vcpu], a.Gpa, a.Kind, a.Value ?? 0),
        HostRangeStep h => new HostOperation(kvm, id, ToHostOp(h.Operation), h.Hva, h.Size, h.Prot ?? HostProt.None),
        HostPageStep p => new HostOperation(kvm, id, ToHostOp(p.Operation), p.Hva, Sizes.PageSize, HostProt.None),
        AgeStep g => new AgeOperation(kvm, id, g.Gpa, g.Size),
        HostFreePageTablesStep t => new HostFreePageTables(kvm, id, t.Hva, t.Size),
        HostMmapStep m => new HostMmap(kvm, id, m.Hva, m.Size, m.Backing, m.Prot, m.Shared),
        HostWriteStep w => new HostAccess(kvm, id, w.Hva, true, w.Value),
        HostReadStep r => new HostAccess(kvm, id, r.Hva, false, 0),
        MteSyncTagsStep t => new MteSyncTags(kvm, id, t.Hva),
        MemslotCreateStep c => new MemslotUpdate(kvm, id, ToRequest(c.Slot)),
        MemslotDeleteStep d => new MemslotUpdate(kvm, id, Existing(kvm, d.SlotId) with { Size = 0 }),
        MemslotMoveStep m => new MemslotUpdate(kvm, id, Existing(kvm, m.SlotId) with { Gpa = m.Gpa }),
        MemslotSetFlagsStep f => new MemslotUpdate(kvm, id, WithFlags(Existing(kvm, f.SlotId), f.LogDirty, f.ReadOnly)),
        DirtyLogGetStep g => new DirtyLogIoctl(kvm, id, g.SlotId, clear: false),
        DirtyLogClearStep c => new DirtyLogIoctl(kvm, id, c.SlotId, clear: true, c.First, c.Count),
        PreFaultStep p => new Model.Fault.PreFaultMemory(kvm, id, kvm.Vcpus[p.Vcpu], p.Gpa, p.Size),
        NestedEnterStep n => new Model.Nested.NestedTransition(kvm, id, kvm.Vcpus[n.Vcpu],
            n.L1S2.Select(m => new Model.Nested.L1S2Map(m.L2Ipa, m.L1Ipa, m.Size, m.Perms)).ToList()),
        NestedExitStep x => new Model.Nested.NestedTransition(kvm, id, kvm.Vcpus[x.Vcpu], null),
        _ => null,
    };

    /// <summary>The request for a slot spec.</summary>
    public static MemslotRequest ToRequest(MemslotSpec s) => new(s.Id, s.Gpa, s.Size, s.Hva,
        (s.ReadOnly ? MemslotFlags.ReadOnly : 0) | (s.LogDirty ? MemslotFlags.LogDirtyPages : 0) | (s.GuestMemfd ? MemslotFlags.GuestMemfd : 0));

    private static MemslotRequest Existing(Kvm kvm, int id)
    {
        var s = kvm.Memslots.ById(id);
        // No such slot: a request the kernel refuses with -EINVAL (a zero-sized delete of nothing).
        return s is null ? new MemslotRequest(id, default, 0, default, 0) : new MemslotRequest(id, s.Gpa, s.Size, s.UserspaceAddr, s.Flags);
    }

    private static MemslotRequest WithFlags(MemslotRequest r, bool? logDirty, bool? readOnly)
    {
        var flags = r.Flags;
        if (logDirty is { } l) flags = l ? flags | MemslotFlags.LogDirtyPages : flags & ~MemslotFlags.LogDirtyPages;
        if (readOnly is { } ro) flags = ro ? flags | MemslotFlags.ReadOnly : flags & ~MemslotFlags.ReadOnly;
        // A set-flags on a missing slot must fail, not create: keep the zero size so validation says EINVAL.
        return r with { Flags = flags };
    }

    private static HostOp ToHostOp(HostRangeOp op) => op switch
    {
        HostRangeOp.Munmap => HostOp.Munmap,
        HostRangeOp.Mprotect => HostOp.Mprotect,
        HostRangeOp.MadviseDontneed => HostOp.MadviseDontneed,
        HostRangeOp.SwapOut => HostOp.SwapOut,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    private static HostOp ToHostOp(HostPageOp op) => op switch
    {
        HostPageOp.Migrate => HostOp.Migrate,
        HostPageOp.ThpSplit => HostOp.ThpSplit,
        HostPageOp.ThpSplitFolio => HostOp.ThpSplitFolio,
        HostPageOp.ThpCollapse => HostOp.ThpCollapse,
        HostPageOp.Poison => HostOp.Poison,
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
