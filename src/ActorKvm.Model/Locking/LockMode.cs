namespace ActorKvm.Model.Locking;

/// <summary>How a holder owns <c>kvm-&gt;mmu_lock</c>.</summary>
public enum LockMode : byte
{
    /// <summary>Not held.</summary>
    None,
    /// <summary><c>read_lock(&amp;kvm-&gt;mmu_lock)</c>.</summary>
    Read,
    /// <summary><c>write_lock(&amp;kvm-&gt;mmu_lock)</c>.</summary>
    Write,
}
