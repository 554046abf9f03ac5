using ActorKvm.Model.Bugs;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// <c>handle_access_fault</c>: under the read <c>mmu_lock</c> [mmu-lock], <c>kvm_pgtable_stage2_mkyoung</c> at fault_ipa on
/// the vCPU's hw_mmu (the shadow stage 2 when nested) [map]; -EAGAIN (the leaf is gone) is ignored and the guest
/// re-faults; then unlock [complete]. No page is referenced and nothing is marked dirty: it allocates nothing.
/// </summary>
public sealed class HandleAccessFault : AbortHandler
{
    private static readonly FaultPhase[] PhaseList = [FaultPhase.MmuLock, FaultPhase.Map, FaultPhase.Complete];

    internal HandleAccessFault(KvmHandleGuestAbort abort) : base(abort, PhaseList) { }

    /// <inheritdoc/>
    internal override StepResult Step()
    {
        switch (Next)
        {
            case FaultPhase.MmuLock:
                return KvmFaultLock(LockMode.Read) ?? Reached();
            case FaultPhase.Map:
                G.Result = Kvm.S2Mkyoung(Holder, Abort.FaultIpa, G.Vcpu.HwPgt(Kvm.Pgt)) == Arch.Errno.Ok ? FaultResult.Young : FaultResult.Spurious;
                if (G.Result == FaultResult.Young && Bugs.IsOn(PageTouchedAfterMmuUnlock.Name))
                {
                    G.PreFix.TouchAfterUnlock = PageTouchedAfterMmuUnlock.ReadPfnThenUnlock(Kvm, Holder, Abort.FaultIpa);
                    Locked = false;
                }
                return Reached();
            default:
                KvmFaultUnlock();
                if (G.PreFixState is { TouchAfterUnlock: { } touched } preFix)
                {
                    // kvm_set_pfn_accessed after the unlock (handle_access_fault before 2362506f7cff).
                    preFix.TouchAfterUnlock = null;
                    Kvm.Oracle.PageTouched(Holder, touched);
                }
                return Return();
        }
    }
}
