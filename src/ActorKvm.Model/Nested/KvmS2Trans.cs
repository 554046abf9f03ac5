using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Nested;

/// <summary>
/// <c>struct kvm_s2_trans</c>: the result of walking L1's stage 2 for an L2 IPA — part of the hypervisor context of a
/// nested fault (<see cref="Fault.S2FaultDesc.Nested"/>), never of the architectural fault.
/// </summary>
/// <param name="Output"><c>kvm_s2_trans_output</c>: the canonical (L1) IPA, with the offset inside the L1 leaf.</param>
/// <param name="BlockSize"><c>kvm_s2_trans_size</c>: the L1 leaf size.</param>
/// <param name="Level">The L1 leaf's level.</param>
/// <param name="Readable"><c>kvm_s2_trans_readable</c>.</param>
/// <param name="Writable"><c>kvm_s2_trans_writable</c>.</param>
/// <param name="Executable"><c>kvm_s2_trans_executable</c> (for the vCPU's current EL; XN split not modelled).</param>
public readonly record struct KvmS2Trans(Ipa Output, ulong BlockSize, int Level, bool Readable, bool Writable, bool Executable);
