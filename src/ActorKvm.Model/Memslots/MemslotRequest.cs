using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Memslots;

/// <summary>A <c>KVM_SET_USER_MEMORY_REGION2</c> request.</summary>
/// <param name="Id">Slot id.</param>
/// <param name="Gpa"><c>guest_phys_addr</c>.</param>
/// <param name="Size"><c>memory_size</c> (0 deletes).</param>
/// <param name="Hva"><c>userspace_addr</c>.</param>
/// <param name="Flags">Flags.</param>
public sealed record MemslotRequest(int Id, Ipa Gpa, ulong Size, Hva Hva, MemslotFlags Flags);

/// <summary>What a valid request changes (<c>enum kvm_mr_change</c>).</summary>
public enum MemslotChange
{
    /// <summary>Identical to the existing slot: nothing to do.</summary>
    None,
    /// <summary><c>KVM_MR_CREATE</c>.</summary>
    Create,
    /// <summary><c>KVM_MR_DELETE</c>.</summary>
    Delete,
    /// <summary><c>KVM_MR_MOVE</c>.</summary>
    Move,
    /// <summary><c>KVM_MR_FLAGS_ONLY</c>.</summary>
    FlagsOnly,
}
