using ActorKvm.Model.Arch;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>The classification steps of <c>kvm_handle_guest_abort</c>, in the kernel's order.</summary>
public static class KvmHandleGuestAbort
{
    /// <summary>
    /// Checks made before SRCU is taken: SEA first, then out-of-range translation faults, then the
    /// unsupported-FSC filter. Returns the exit, or null to go on to the memslot lookup.
    /// </summary>
    public static AccessExit? Classify(KvmConfig config, in GuestAbort abort)
    {
        var fsc = abort.Esr.Fsc;
        // kvm_handle_guest_sea: no firmware-first handler claims it here, so an SError is injected.
        if (fsc.IsSea()) return new AccessExit(AccessExitKind.InjectSerror);

        if (fsc.IsTranslation())
        {
            if (abort.FaultIpa.Value >= 1UL << config.IpaLimit) return new AccessExit(AccessExitKind.InjectSizeFault);
            // Beyond this VM's IPA size but within PARange: kvm_inject_sea (prefetch abort for IABT).
            if (abort.FaultIpa.Value >= config.PhysSize)
                return new AccessExit(abort.Esr.IsIabt ? AccessExitKind.InjectIabt : AccessExitKind.InjectDabt);
        }

        // The exclusive/atomic FSC is let through: user_mem_abort injects it with a valid memslot.
        if (!fsc.IsTranslation() && !fsc.IsPermission() && !fsc.IsAccessFlag() && !fsc.IsExclAtomic())
            return AccessExit.Fail(Errno.EFAULT);
        return null;
    }

    /// <summary>
    /// Rule 1.2.8, "not RAM or not writable RAM": with no usable HVA, or a write to a read-only slot, the
    /// abort is an instruction abort (→ -ENOEXEC → prefetch abort), a stage-1 walk (→ data abort), cache
    /// maintenance outside any slot (skipped), or MMIO. Returns null when the access targets RAM.
    /// </summary>
    public static AccessExit? NotRam(in GuestAbort abort, Hva? hva, bool writable)
    {
        var write = abort.Esr.IsWriteFault;
        if (hva is not null && !(write && !writable)) return null;
        if (abort.Esr.IsIabt) return new AccessExit(AccessExitKind.InjectIabt);
        if (abort.Esr.IsS1Ptw) return new AccessExit(AccessExitKind.InjectDabt);
        if (hva is null && abort.Esr.IsCm) return new AccessExit(AccessExitKind.SkipCm);
        // io_mem_abort: without ISV and without KVM_CAP_ARM_NISV_TO_USER, -ENOSYS.
        return abort.Esr.IsIsv ? new AccessExit(AccessExitKind.Mmio) : AccessExit.Fail(Errno.ENOSYS);
    }

    /// <summary>The memslot and HVA for the canonical IPA (<c>gfn_to_memslot</c> + <c>gfn_to_hva_memslot_prot</c>).</summary>
    public static (Memslot? Slot, Hva? Hva, bool Writable) LookupMemslot(MemslotSet slots, Ipa ipa)
    {
        var gfn = Gfn.Of(ipa);
        var slot = slots.Find(gfn);
        var hva = MemslotSet.GfnToHvaProt(slot, gfn, out var writable);
        return (slot, hva, writable);
    }

    /// <summary>Rule 1.2.12: a handler's return code as seen by <c>KVM_RUN</c> (null = re-enter the guest).</summary>
    public static AccessExit? MapReturn(Errno ret, int sigbusLsb) => ret switch
    {
        Errno.Ok or Errno.EAGAIN => null,
        Errno.EHWPOISON when sigbusLsb >= 0 => new AccessExit(AccessExitKind.SigbusHwpoison),
        Errno.ENOEXEC => new AccessExit(AccessExitKind.InjectIabt),
        _ => AccessExit.Fail(ret),
    };
}
