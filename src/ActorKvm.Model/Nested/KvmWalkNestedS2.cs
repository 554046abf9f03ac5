using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Nested;

/// <summary>The nested-fault rules of arch/arm64/kvm/nested.c and mmu.c.</summary>
public static class KvmWalkNestedS2
{
    /// <summary>
    /// <c>kvm_walk_nested_s2</c>: walk L1's stage 2 for <paramref name="faultIpa"/> (4 KiB aligned). An invalid entry is a
    /// translation fault at the level the walk stopped (the FSC to inject into L1); a valid leaf gives the translation.
    /// </summary>
    public static (KvmS2Trans? Trans, Fsc InjectFsc) Walk(NestedS2Mmu mmu, Ipa faultIpa)
    {
        var w = mmu.L1.GetLeaf(faultIpa);
        if (!w.Valid) return (null, FscCodes.Translation(w.Level));
        var leaf = w.Leaf;
        var output = new Ipa(leaf.PfnAt(faultIpa).Value << Sizes.PageShift);
        var p = leaf.Prot;
        return (new KvmS2Trans(output, leaf.Size, leaf.Level, (p & S2Prot.R) != 0, (p & S2Prot.W) != 0, (p & S2Prot.X) != 0), default);
    }

    /// <summary>
    /// <c>kvm_s2_handle_perm_fault</c>: only for a hardware permission fault. Forwarded to L1 (returns the FSC to inject, a
    /// permission fault at the L1 leaf's level) when L1 itself forbids the access: an instruction fetch L1 does not let
    /// execute, a write L1 does not let write, a read L1 does not let read. Otherwise null: the shadow leaf is only stricter
    /// than L1's (write-protection, logging, lazy exec) and L0 fixes it itself.
    /// </summary>
    public static Fsc? HandlePermFault(in GuestAbort abort, in KvmS2Trans trans)
    {
        if (!abort.Esr.Fsc.IsPermission()) return null;
        bool forward;
        if (abort.Esr.IsIabt) forward = !trans.Executable;
        else forward = abort.Esr.IsWriteFault ? !trans.Writable : !trans.Readable;
        return forward ? FscCodes.Permission(trans.Level) : null;
    }

    /// <summary>
    /// The nested map-size cap of <c>kvm_s2_fault_get_vma_info</c>: <c>min(L1 block, force_pte ? PAGE_SIZE : PUD_SIZE)</c>
    /// rounded down to a host block size; PAGE_SIZE forces PTEs.
    /// </summary>
    public static ulong MaxMapSize(in KvmS2Trans trans, bool forcePte)
    {
        var max = Math.Min(trans.BlockSize, forcePte ? Sizes.PageSize : Sizes.PudSize);
        return max >= Sizes.PudSize ? Sizes.PudSize : max >= Sizes.PmdSize ? Sizes.PmdSize : Sizes.PageSize;
    }

    /// <summary>The software bits of a shadow leaf that hold the level hint (<c>KVM_NV_GUEST_MAP_SZ</c>, SW1|SW0).</summary>
    public const byte NvGuestMapSz = 0x3;

    /// <summary>
    /// <c>kvm_encode_nested_level</c>: the L1 leaf's level, stored in the shadow leaf's software bits when
    /// <c>adjust_nested_fault_perms</c> maps it, so <c>get_guest_mapping_ttl</c> can size an L1 TLBI without a TTL hint.
    /// </summary>
    public static byte EncodeNestedLevel(in KvmS2Trans trans) => (byte)(trans.Level & NvGuestMapSz);

    /// <summary><c>adjust_nested_fault_perms</c> + <c>adjust_nested_exec_perms</c>: the shadow leaf never grants what L1 does not.</summary>
    public static S2Prot AdjustPerms(in KvmS2Trans trans, S2Prot prot)
    {
        if (!trans.Writable) prot &= ~S2Prot.W;
        if (!trans.Readable) prot &= ~S2Prot.R;
        if (!trans.Executable) prot &= ~S2Prot.X;
        return prot;
    }
}
