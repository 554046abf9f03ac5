namespace ActorKvm.Model.Fault;

/// <summary>A guest access (scenario <c>kind</c>).</summary>
public enum AccessKind
{
    /// <summary>A data load of one general-purpose register (the abort carries a valid syndrome).</summary>
    Read,
    /// <summary>A data store of one general-purpose register (the abort carries a valid syndrome).</summary>
    Write,
    /// <summary>An instruction fetch.</summary>
    Exec,
    /// <summary>An exclusive or atomic read-modify-write (LDXR/STXR, LSE atomics, LS64): stores its value like a write, no syndrome.</summary>
    Atomic,
    /// <summary>A data cache maintenance operation by VA (WnR = 1, CM = 1, no syndrome).</summary>
    Cmo,
    /// <summary>An MTE allocation-tag store (<c>STG</c>) to the 16-byte granule: a write for stage 2.</summary>
    TagWrite,
    /// <summary>An MTE allocation-tag load (<c>LDG</c>): a read for stage 2.</summary>
    TagRead,
    /// <summary>A load whose abort carries no valid syndrome (load pair, writeback addressing): ESR ISV = 0.</summary>
    LoadNoSyndrome,
    /// <summary>A store whose abort carries no valid syndrome (store pair, writeback addressing, <c>DC ZVA</c>): ESR ISV = 0.</summary>
    StoreNoSyndrome,
}

/// <summary>What an access kind reports in its data-abort syndrome.</summary>
public static class AccessKindSyndrome
{
    /// <summary>
    /// ESR ISV: the hardware describes the access (register, size, sign) only for a load or store of a single
    /// general-purpose register without writeback, not exclusive; atomics, exclusives, pairs, writeback forms,
    /// <c>DC ZVA</c> and cache maintenance carry none. (Tag accesses are kept with a syndrome, as before; their ISV is
    /// not modelled separately.)
    /// </summary>
    public static bool HasValidSyndrome(this AccessKind kind) =>
        kind is AccessKind.Read or AccessKind.Write or AccessKind.TagRead or AccessKind.TagWrite;

    /// <summary>ESR WnR: stores, atomics and cache maintenance report a write.</summary>
    public static bool IsWnR(this AccessKind kind) =>
        kind is AccessKind.Write or AccessKind.StoreNoSyndrome or AccessKind.Atomic or AccessKind.Cmo or AccessKind.TagWrite;

    /// <summary>The access stores <c>value</c> into the page (an atomic as a read-modify-write).</summary>
    public static bool StoresValue(this AccessKind kind) =>
        kind is AccessKind.Write or AccessKind.StoreNoSyndrome or AccessKind.Atomic;

    /// <summary>The access returns the page's value to the guest (an atomic returns the old one).</summary>
    public static bool LoadsValue(this AccessKind kind) =>
        kind is AccessKind.Read or AccessKind.LoadNoSyndrome or AccessKind.Atomic;
}
