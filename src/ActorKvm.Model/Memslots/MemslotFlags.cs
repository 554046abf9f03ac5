namespace ActorKvm.Model.Memslots;

/// <summary>Userspace memslot flags (<c>KVM_MEM_*</c>).</summary>
[Flags]
public enum MemslotFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary><c>KVM_MEM_LOG_DIRTY_PAGES</c>.</summary>
    LogDirtyPages = 1,
    /// <summary><c>KVM_MEM_READONLY</c>.</summary>
    ReadOnly = 2,
    /// <summary><c>KVM_MEM_GUEST_MEMFD</c>.</summary>
    GuestMemfd = 4,
}
