using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>The pfn phases of the two other abort handlers <c>kvm_handle_guest_abort</c> dispatches to.</summary>
public sealed partial class FaultHandler
{
    /// <summary><c>pkvm_mem_abort</c> up to <c>pin_user_pages</c>: memcache, locked-page accounting (once), the long-term pin.</summary>
    private StepResult PkvmPinPage()
    {
        if (!_pkvmPrepared)
        {
            var ret = PkvmMemAbort.Prepare(State, _vcpu, _kvm.Mm, _desc!, _kvm.Pgt.MinCachePages);
            if (ret != Errno.Ok) return Fail(ret);
            _pkvmPrepared = true;
        }
        var hva = _desc!.Memslot.GfnToHva(State.Gfn);
        var r = _kvm.Mm.PinUserPage(hva);
        if (r.Status == HostFaultStatus.NeedsCowBreak)
        {
            if (BreakCow(r) is { } wait) return wait;
            r = _kvm.Mm.PinUserPage(hva);
        }
        PkvmMemAbort.Pinned(State, _kvm.Mm, r);
        if (State.Ret != Errno.Ok) return Fail(State.Ret);
        return Reached(FaultPhase.PfnFaultin, FaultPhase.MmuLock);
    }

    /// <summary><c>gmem_abort</c> up to <c>kvm_gmem_get_pfn</c>; an error is a <c>KVM_EXIT_MEMORY_FAULT</c> (or -ENOMEM from the top-up).</summary>
    private StepResult GmemPinPfn()
    {
        var r = GmemAbort.PinPfn(State, _vcpu, _kvm.Mm, _kvm.Notifier, _desc!, _kvm.Pgt.MinCachePages);
        if (State.Page is not null) _kvm.Oracle.PageReferenced(_holder, State.Page);
        if (State.Ret == Errno.ENOMEM) return Fail(State.Ret);
        if (r.Status != HostFaultStatus.Ok)
        {
            // kvm_prepare_memory_fault_exit: KVM_RUN fails with the error and exit reason KVM_EXIT_MEMORY_FAULT.
            Exit = new AccessExit(AccessExitKind.MemoryFault, State.Ret);
            return Fail(State.Ret);
        }
        return Reached(FaultPhase.PfnFaultin, FaultPhase.ProtComputed);
    }
}
