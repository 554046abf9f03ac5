namespace ActorKvm.Model.Fault;

/// <summary>What one handled fault did to stage 2 (scenario <c>expect.faults</c> entries).</summary>
public enum FaultResult : byte
{
    /// <summary>Ended in an exit or injection: no entry in <c>expect.faults</c>.</summary>
    None,
    /// <summary><c>kvm_pgtable_stage2_map</c> installed a leaf.</summary>
    Map,
    /// <summary><c>kvm_pgtable_stage2_relax_perms</c> widened a leaf.</summary>
    Relax,
    /// <summary><c>handle_access_fault</c> set the access flag.</summary>
    Young,
    /// <summary><c>mmu_invalidate_retry</c> failed (or THP adjust found no host mapping): nothing mapped, re-fault.</summary>
    Retry,
    /// <summary>The mapping was already there when the lock was taken (map/relax returned -EAGAIN).</summary>
    Spurious,
}

/// <summary>Scenario names of <see cref="FaultResult"/>.</summary>
public static class FaultResultNames
{
    /// <summary>The scenario name.</summary>
    public static string Name(this FaultResult r) => r switch
    {
        FaultResult.Map => "map",
        FaultResult.Relax => "relax",
        FaultResult.Young => "young",
        FaultResult.Retry => "retry",
        FaultResult.Spurious => "spurious",
        _ => "none",
    };
}
