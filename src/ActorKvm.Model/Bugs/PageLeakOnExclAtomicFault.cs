namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 2, <c>page-leak-on-excl-atomic-fault</c>: the unsupported exclusive/atomic exit (FSC 0x35, inject DABT) releases the faulted-in page through out_put_page like every early exit.
/// </summary>
/// <remarks>Kernel fix: e07fc9e2da91. Where: kvm_s2_fault_compute_prot -&gt; out_put_page (UserMemAbort, prot-computed exit).</remarks>
public static class PageLeakOnExclAtomicFault
{
    /// <summary>The switch name.</summary>
    public const string Name = "page-leak-on-excl-atomic-fault";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(2, Name, "e07fc9e2da91", "I2", "the unsupported exclusive/atomic exit (FSC 0x35, inject DABT) releases the faulted-in page through out_put_page like every early exit",
        Produces: Oracle.ViolationKind.PageRefLeak);
}
