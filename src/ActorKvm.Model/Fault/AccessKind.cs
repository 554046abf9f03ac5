namespace ActorKvm.Model.Fault;

/// <summary>A guest access (scenario <c>kind</c>).</summary>
public enum AccessKind
{
    /// <summary>A data load.</summary>
    Read,
    /// <summary>A data store.</summary>
    Write,
    /// <summary>An instruction fetch.</summary>
    Exec,
    /// <summary>An exclusive or atomic access (LDXR/STXR, LSE atomics, LS64).</summary>
    Atomic,
    /// <summary>A data cache maintenance operation by VA.</summary>
    Cmo,
    /// <summary>An MTE allocation-tag store (<c>STG</c>) to the 16-byte granule: a write for stage 2.</summary>
    TagWrite,
    /// <summary>An MTE allocation-tag load (<c>LDG</c>): a read for stage 2.</summary>
    TagRead,
}
