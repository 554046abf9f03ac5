using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>Outcome kinds of a host fault-in through GUP.</summary>
public enum HostFaultStatus
{
    /// <summary>The page is mapped; a reference was taken when asked.</summary>
    Ok,
    /// <summary>No VMA, or the VMA forbids the access: <c>KVM_PFN_ERR_FAULT</c> (-EFAULT).</summary>
    Fault,
    /// <summary>The page is hardware-poisoned: <c>KVM_PFN_ERR_HWPOISON</c>.</summary>
    HwPoison,
    /// <summary>A write must break copy-on-write first, which changes a present host PTE and so needs an MMU-notifier invalidation over <see cref="HostFaultIn.CowStart"/>..<see cref="HostFaultIn.CowEnd"/>.</summary>
    NeedsCowBreak,
}

/// <summary>Result of <see cref="HostMm.FaultIn"/> (the host half of <c>__kvm_faultin_pfn</c>).</summary>
public readonly record struct HostFaultIn(HostFaultStatus Status, Pfn Pfn, Folio? Folio, bool Writable, Hva CowStart, Hva CowEnd)
{
    /// <summary>A failure without a page.</summary>
    public static HostFaultIn Failed(HostFaultStatus s) => new(s, default, null, false, default, default);
}
