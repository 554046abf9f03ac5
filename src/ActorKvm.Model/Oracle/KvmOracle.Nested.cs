using ActorKvm.Model.Arch;
using ActorKvm.Model.Nested;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

public sealed partial class KvmOracle
{
    private readonly List<S2Leaf> _shadowScratch = [];

    /// <summary>
    /// Invariants 22 and 23 for every vCPU running L2: a shadow leaf of size S at L2 IPA F needs an L1 leaf of size ≥ S
    /// over F and no more permissions than it (<c>nested-permission</c>), and maps the page the host maps behind the
    /// L1 IPA it translates to, or the guest_memfd page for such a slot (<c>stale-mapping</c>), so host invalidations must reach shadow MMUs.
    /// Its level hint is the level of that L1 leaf (<c>nested-level-hint</c>: <c>adjust_nested_fault_perms</c> encodes it,
    /// <c>get_guest_mapping_ttl</c> reads it to size an L1 TLBI that carries no TTL — a wrong hint unmaps too little).
    /// </summary>
    private void CheckShadows()
    {
        foreach (var vcpu in _kvm.Vcpus)
        {
            if (vcpu.Nested is not { } mmu) continue;
            _shadowScratch.Clear();
            mmu.Shadow.CollectLeaves(default, mmu.Shadow.IpaSize, _shadowScratch);
            foreach (var leaf in _shadowScratch) CheckShadowLeaf(vcpu.Index, mmu, leaf);
        }
    }

    private void CheckShadowLeaf(int vcpu, NestedS2Mmu mmu, in S2Leaf leaf)
    {
        var (trans, _) = KvmWalkNestedS2.Walk(mmu, leaf.Ipa);
        var perms = leaf.Perms;
        if (trans is not { } t || t.BlockSize < leaf.Size
            || ((perms & S2Prot.R) != 0 && !t.Readable) || ((perms & S2Prot.W) != 0 && !t.Writable) || ((perms & S2Prot.X) != 0 && !t.Executable))
        {
            Report(ViolationKind.NestedPermission, $"vCPU {vcpu} shadow leaf {Describe(leaf)} allows more than L1's stage 2 {(trans is { } l1 ? $"({Sizes.Format(l1.BlockSize)}, {(l1.Readable ? "r" : "")}{(l1.Writable ? "w" : "")}{(l1.Executable ? "x" : "")})" : "(unmapped)")}", leaf.Ipa.Value, (ulong)vcpu);
            return;
        }
        if ((leaf.SwBits & KvmWalkNestedS2.NvGuestMapSz) != t.Level)
            Report(ViolationKind.NestedLevelHint, $"vCPU {vcpu} shadow leaf {Describe(leaf)} carries level hint {leaf.SwBits & KvmWalkNestedS2.NvGuestMapSz}, but the L1 leaf it was built from is at level {t.Level} ({Sizes.Format(t.BlockSize)})", leaf.Ipa.Value, (ulong)vcpu);
        var slot = _kvm.Memslots.Find(Gfn.Of(t.Output));
        if (slot is null || slot.Invalid) return; // the flush of that slot unmaps every shadow MMU
        // A guest_memfd slot's shadow leaf maps the file's page (gmem_abort with a nested walk), not the host's.
        if (slot.HasGmem) CheckGmemPfns(leaf, slot.IpaToHva(t.Output));
        else CheckHostPfns(leaf, slot, slot.IpaToHva(t.Output));
    }
}
