namespace ActorKvm.Model.Arch;

/// <summary>
/// The architectural fault: what the hardware reported for one stage-2 abort (ESR_EL2, FAR_EL2 and the
/// IPA from HPFAR_EL2). Nothing here depends on KVM's state.
/// </summary>
/// <param name="Esr">The syndrome.</param>
/// <param name="Far">FAR_EL2: the faulting virtual address; only its low 12 bits matter to stage 2 (the MMIO offset).</param>
/// <param name="FaultIpa"><c>kvm_vcpu_get_fault_ipa</c>: HPFAR_EL2.FIPA &lt;&lt; 12, always 4 KiB aligned.</param>
public readonly record struct GuestAbort(Esr Esr, ulong Far, Ipa FaultIpa)
{
    /// <summary>The IPA with FAR's in-page offset, as <c>io_mem_abort</c> and <c>kvm_inject_sea</c> use it.</summary>
    public Ipa IpaWithOffset => new(FaultIpa.Value | (Far & 0xFFF));

    /// <summary>Builds the abort the hardware raises for an access at <paramref name="ipa"/>.</summary>
    public static GuestAbort At(Ipa ipa, Esr esr) => new(esr, ipa.Value, ipa.AlignDown(Sizes.PageSize));
}
