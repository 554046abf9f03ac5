namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 7, <c>host-pt-walk-unprotected</c>: the host page-table walk after mmap unlock runs where page-table freeing must wait, and a missing mapping makes the fault retry.
/// </summary>
/// <remarks>Kernel fix: e86fc1a3a3e9. Where: transparent_hugepage_adjust -&gt; get_user_mapping_size.</remarks>
public static class HostPtWalkUnprotected
{
    /// <summary>The switch name.</summary>
    public const string Name = "host-pt-walk-unprotected";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(7, Name, "e86fc1a3a3e9", "I6, I4", "the host page-table walk after mmap unlock runs where page-table freeing must wait, and a missing mapping makes the fault retry");
}
