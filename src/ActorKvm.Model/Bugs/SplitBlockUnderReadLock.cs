namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 5, <c>split-block-under-read-lock</c>: under the shared MMU lock only a same-size permission relaxation is done; structural changes need exclusive ownership.
/// </summary>
/// <remarks>Kernel fix: f587661f21eb. Where: user_mem_abort lock selection (KvmS2FaultMap, map).</remarks>
public static class SplitBlockUnderReadLock
{
    /// <summary>The switch name.</summary>
    public const string Name = "split-block-under-read-lock";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(5, Name, "f587661f21eb", "I6, I3", "under the shared MMU lock only a same-size permission relaxation is done; structural changes need exclusive ownership",
        Produces: Oracle.ViolationKind.LeakedTablePage);

    /// <summary>
    /// Before the fix, a write permission fault under logging took the shared-lock fast path whatever its size: a block
    /// larger than the page about to be mapped was split there, by a walker not owning the entry.
    /// </summary>
    public static bool Applies(BugSet bugs, in Arch.GuestAbort abort, Fault.S2FaultDesc desc, ulong mapSize) =>
        bugs.IsOn(Name) && desc.FaultIsPerm && abort.Esr.IsWriteFault && desc.LoggingActive && abort.Esr.PermFaultGranule > mapSize;

    /// <summary>The split: the block seen at the size decision is replaced unconditionally, without owning it.</summary>
    public static Fault.FaultResult SplitBlockUnowned(Fault.KvmS2Fault f, Vm.Kvm kvm, int holder, in Arch.GuestAbort abort)
    {
        var granule = abort.Esr.PermFaultGranule;
        var level = Stage2.Stage2PageTable.LastLevel - (System.Numerics.BitOperations.Log2(granule) - Arch.Sizes.PageShift) / (Arch.Sizes.PageShift - 3);
        f.Ret = kvm.S2SplitBlockUnowned(holder, f.FaultIpa.AlignDown(granule), level, f.FaultIpa, f.Pfn, f.Prot, f.Memcache);
        return f.Ret == Arch.Errno.Ok ? Fault.FaultResult.Map : Fault.FaultResult.None;
    }
}
