using ActorKvm.Model.Arch;
using ActorKvm.Model.Memslots;

namespace ActorKvm.Model.Fault;

/// <summary>
/// The hypervisor context of one abort (<c>struct kvm_s2_fault_desc</c>): which vCPU, where the leaf goes,
/// the memslot looked up under SRCU and its HVA. Logging and slot permissions are derived from the slot
/// where they are used rather than copied into flags. A value: one is made per abort, and a class made it the
/// fault path's only allocation besides the host page.
/// </summary>
/// <param name="Vcpu">The faulting vCPU.</param>
/// <param name="FaultIpa">Where the leaf is installed (the L2 IPA when nested).</param>
/// <param name="Memslot">The slot covering the canonical IPA, from the memslot set the fault looked up.</param>
/// <param name="Hva">The HVA of the faulting page (<c>gfn_to_hva_memslot_prot</c>).</param>
/// <param name="FaultIsPerm">The FSC is a permission fault (passed by <c>kvm_handle_guest_abort</c>).</param>
/// <param name="Nested">The L1 translation when the fault came from L2 with L1's stage 2 enabled (<c>nested</c>); null otherwise.</param>
/// <param name="Prefault">Raised by <c>KVM_PRE_FAULT_MEMORY</c> (<c>kvm_s2_fault_desc.prefault</c>): hwpoison is -EHWPOISON, no SIGBUS.</param>
public readonly record struct S2FaultDesc(int Vcpu, Ipa FaultIpa, Memslot Memslot, Hva Hva, bool FaultIsPerm, bool Prefault = false, Nested.KvmS2Trans? Nested = null)
{
    /// <summary><c>memslot_is_logging</c>.</summary>
    public bool LoggingActive => Memslot.IsLogging;

    /// <summary>The canonical IPA (<c>ipa</c>): the L1 output when nested, else the fault IPA.</summary>
    public Ipa Ipa => Nested?.Output ?? FaultIpa;
}
