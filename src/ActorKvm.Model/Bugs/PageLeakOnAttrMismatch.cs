namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 1, <c>page-leak-on-attr-mismatch</c>: every exit between __kvm_faultin_pfn and the MMU lock releases the page (kvm_release_page_unused); the bug returns -EFAULT/-ENOEXEC from the PFNMAP attribute checks directly.
/// </summary>
/// <remarks>Kernel fix: 5f9466b50c1b. Where: user_mem_abort / kvm_s2_fault_compute_prot (UserMemAbort, prot-computed exit).</remarks>
public static class PageLeakOnAttrMismatch
{
    /// <summary>The switch name.</summary>
    public const string Name = "page-leak-on-attr-mismatch";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(1, Name, "5f9466b50c1b", "I2", "every exit between __kvm_faultin_pfn and the MMU lock releases the page (kvm_release_page_unused); the bug returns -EFAULT/-ENOEXEC from the PFNMAP attribute checks directly",
        Produces: Oracle.ViolationKind.PageRefLeak);
}
