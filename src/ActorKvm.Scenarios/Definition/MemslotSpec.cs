using ActorKvm.Model.Arch;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// A memslot: an initial one (validated as the kernel would at load time) or the <c>slot</c> of a
/// <c>memslot-create</c> step (only syntactically checked; the kernel's errno is that step's result).
/// </summary>
/// <param name="Id">Slot id.</param>
/// <param name="Gpa">Guest physical base.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Hva">Userspace address backing the slot.</param>
/// <param name="ReadOnly"><c>KVM_MEM_READONLY</c> (default false).</param>
/// <param name="LogDirty"><c>KVM_MEM_LOG_DIRTY_PAGES</c> (default false).</param>
/// <param name="GuestMemfd"><c>KVM_MEM_GUEST_MEMFD</c> (default false).</param>
/// <param name="Path">Key path for messages, e.g. <c>memslots[1]</c> or <c>steps[4].slot</c>.</param>
public sealed record MemslotSpec(int Id, Ipa Gpa, ulong Size, Hva Hva, bool ReadOnly, bool LogDirty, bool GuestMemfd, string Path)
{
    /// <summary>One past the last guest physical byte.</summary>
    public Ipa GpaEnd => Gpa + Size;

    /// <summary>The <c>kvm_userspace_memory_region2</c> request that creates this slot.</summary>
    public MemslotRequest ToRequest() => new(Id, Gpa, Size, Hva,
        (ReadOnly ? MemslotFlags.ReadOnly : 0) | (LogDirty ? MemslotFlags.LogDirtyPages : 0) | (GuestMemfd ? MemslotFlags.GuestMemfd : 0));

    /// <summary>
    /// The request that re-states slot <paramref name="id"/> of <paramref name="kvm"/> as it is now (a delete, move or
    /// flags change edits it); no such slot: a zero-sized request the kernel refuses with -EINVAL.
    /// </summary>
    public static MemslotRequest Current(Kvm kvm, int id) => kvm.Memslots.ById(id) is { } s
        ? new MemslotRequest(id, s.Gpa, s.Size, s.UserspaceAddr, s.Flags)
        : new MemslotRequest(id, default, 0, default, 0);
}
