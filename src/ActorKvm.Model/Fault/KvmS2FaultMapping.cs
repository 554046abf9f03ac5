using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Fault;

/// <summary>
/// The leaf a handler is about to install, decided once under <c>mmu_lock</c> after the retry check: in
/// <c>kvm_s2_fault_map</c> the size comes from <c>transparent_hugepage_adjust</c> or the permission granule, and prot and
/// writable are fixed with it (the kernel's locals <c>mapping_size</c>, <c>prot</c>, <c>writable</c>). Map or relax, the
/// page release and the dirty mark read only this value, so nothing decided before the lock can change under it.
/// </summary>
/// <param name="Size">The leaf size (<c>mapping_size</c>).</param>
/// <param name="Prot">The stage-2 prot to install.</param>
/// <param name="Writable">The page is released dirty and its gfn marked dirty once the map succeeded.</param>
public readonly record struct KvmS2FaultMapping(ulong Size, S2Prot Prot, bool Writable);
