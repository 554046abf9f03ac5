namespace ActorKvm.Bench.PureFaultPath;

/// <summary>The single-thread fault kinds of the pure fault path benchmarks (issue 7 item 1).</summary>
public enum FaultKind
{
    /// <summary>A write translation fault on an unmapped 4 KiB page of anonymous memory: host page allocated, leaf mapped.</summary>
    Write4K,
    /// <summary>A write translation fault on the first page of an unmapped 2 MiB THP range: huge folio, PMD block mapped.</summary>
    Thp2M,
    /// <summary>A write permission fault on a write-protected 4 KiB leaf: <c>kvm_pgtable_stage2_relax_perms</c>.</summary>
    PermissionRelax,
    /// <summary>An access-flag fault on an aged 4 KiB leaf: <c>handle_access_fault</c> → mkyoung.</summary>
    AccessFlag,
}
