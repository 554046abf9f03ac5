using ActorKvm.Model.Locking;

namespace ActorKvm.Model.Variants;

/// <summary>
/// A proposed change to the model that is not a known bug: a what-if for the developer's next patch. Unlike a bug
/// switch (<see cref="Bugs.BugSwitch"/>) a variant is expected to keep every invariant, so the suite stays green with
/// it on; <c>actorkvm compare --variant NAME</c> measures what it changes. A variant is one file: a subclass that
/// overrides the hooks it changes (each hook is asked where the kernel makes that decision), registered with one line
/// in <see cref="VariantCatalog"/>.
/// </summary>
public abstract class Variant
{
    /// <summary>The variant name (<c>--variant NAME</c>, scenario <c>variants = [...]</c>).</summary>
    public abstract string Name { get; }

    /// <summary>What the change does, in kernel terms.</summary>
    public abstract string Change { get; }

    /// <summary>The kernel function(s) it changes.</summary>
    public abstract string Where { get; }

    /// <summary>
    /// <c>kvm_fault_lock</c> in <c>user_mem_abort</c>: the <c>mmu_lock</c> mode a fault takes (the kernel: read), or
    /// null to keep it. <paramref name="faultIsPerm"/>: a permission fault.
    /// </summary>
    public virtual LockMode? FaultLockMode(bool faultIsPerm) => null;
}
