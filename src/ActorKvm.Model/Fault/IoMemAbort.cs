using ActorKvm.Model.Arch;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// <c>io_mem_abort</c> (arch/arm64/kvm/mmio.c): a data abort that must be emulated — no memslot, or a write to a
/// read-only one — ends by its syndrome.
/// </summary>
public static class IoMemAbort
{
    /// <summary>
    /// With a valid syndrome (ISV = 1) the access is decoded and exits to userspace as <c>KVM_EXIT_MMIO</c> (no in-kernel
    /// device is modelled). Without one: a protected VM gets a data abort (<c>kvm_inject_sea_dabt</c>: "there isn't much
    /// userspace can do"; the capability is not offered to it); otherwise <c>KVM_EXIT_ARM_NISV</c> when userspace enabled
    /// <c>KVM_CAP_ARM_NISV_TO_USER</c>, else <c>KVM_RUN</c> fails with -ENOSYS.
    /// </summary>
    public static AccessExit Emulate(KvmConfig config, in GuestAbort abort)
    {
        if (abort.Esr.IsIsv) return new AccessExit(AccessExitKind.Mmio);
        if (config.Protected) return new AccessExit(AccessExitKind.InjectDabt);
        return config.NisvToUser ? new AccessExit(AccessExitKind.Nisv) : AccessExit.Fail(Errno.ENOSYS);
    }
}
