using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rule <c>stage2-map-mismatch</c>: the fault path's stage-2 walkers that returned 0 left what they were asked for —
/// a postcondition restated from the request, not from the walker's own arithmetic.
/// </summary>
public sealed partial class KvmOracle
{
    private const S2Prot LeafAttrs = S2Prot.PermMask | S2Prot.Device | S2Prot.NormalNc;

    /// <summary>
    /// <c>kvm_pgtable_stage2_map(ipa, size, phys, prot)</c> returned 0: every page of the walk range
    /// <c>[ALIGN_DOWN(ipa, PAGE_SIZE), PAGE_ALIGN(ipa + size))</c> maps <c>phys</c> plus its offset with exactly <c>prot</c>'s
    /// permissions, memory type and software bits, and with the access flag (<c>stage2_map_walker_try_leaf</c> writes the
    /// whole new descriptor <c>stage2_set_prot_attr</c> built, AF included, unless <c>stage2_pte_needs_update</c> finds it
    /// there already — and that compares the AF too), and with ipa and phys aligned to a page, PMD or PUD of that size the
    /// range is one leaf of that size (<c>kvm_block_mapping_supported</c>: the largest granule the range and the alignment allow).
    /// </summary>
    public void Stage2Mapped(Stage2PageTable pgt, Ipa ipa, ulong size, Pfn pfn, S2Prot prot, byte swBits = 0)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        var start = ipa.Value & ~(Sizes.PageSize - 1);
        var end = (ipa.Value + size + Sizes.PageSize - 1) & ~(Sizes.PageSize - 1);
        var want = prot & LeafAttrs;
        _scratch.Clear();
        pgt.CollectLeaves(new Ipa(start), end - start, _scratch);
        ulong covered = 0;
        foreach (var leaf in _scratch)
        {
            var from = Math.Max(leaf.Ipa.Value, start);
            covered += Math.Min(leaf.End.Value, end) - from;
            if (leaf.PfnAt(new Ipa(from)) != pfn + ((from - start) >> Sizes.PageShift) || (leaf.Prot & LeafAttrs) != want
                || !leaf.Young || leaf.SwBits != swBits)
            {
                Report(ViolationKind.Stage2MapMismatch, $"stage-2 map of {new Ipa(start)}+{Sizes.Format(end - start)} -> {pfn} {want.FormatPerms()} {want.MemType()} young{(swBits != 0 ? $" sw={swBits}" : "")} returned 0 but {new Ipa(from)} is in {leaf}", start, 1);
                return;
            }
        }
        if (covered != end - start)
        {
            Report(ViolationKind.Stage2MapMismatch, $"stage-2 map of {new Ipa(start)}+{Sizes.Format(end - start)} returned 0 but only {Sizes.Format(covered)} of it is mapped", start, 2);
            return;
        }
        if (OneLeaf(ipa, size, pfn) && (_scratch.Count != 1 || _scratch[0].Size != size))
            Report(ViolationKind.Stage2MapMismatch, $"stage-2 map of {ipa}+{Sizes.Format(size)} -> {pfn} (aligned) made {_scratch.Count} leaves of {Sizes.Format(_scratch[0].Size)}, not one {Sizes.Format(size)} leaf", start, 3);
    }

    /// <summary>
    /// <c>kvm_pgtable_stage2_map(ipa, size, phys, prot)</c> returned <paramref name="r"/> over <paramref name="before"/> (the
    /// walk of ipa just before it): -EAGAIN exactly where <c>stage2_map_walker_try_leaf</c> finds that
    /// <c>stage2_pte_needs_update</c> is false — a valid leaf at the level of the new one whose descriptor differs from the
    /// new descriptor only in R/W/XN (same output, memory type, access flag and software bits) — and then the walk leaves it
    /// as it was. For a request that is one aligned page, PMD or PUD the leaf is <paramref name="before"/>, so the return is
    /// checked both ways; for others an -EAGAIN needs such a leaf somewhere in the range.
    /// </summary>
    public void Stage2MapReturned(Stage2PageTable pgt, Ipa ipa, ulong size, Pfn pfn, S2Prot prot, byte swBits, in S2Walk before, Errno r)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        if (r is not (Errno.Ok or Errno.EAGAIN)) return;
        var start = ipa.Value & ~(Sizes.PageSize - 1);
        var want = prot & (S2Prot.Device | S2Prot.NormalNc);
        if (OneLeaf(ipa, size, pfn))
        {
            var l = before.Leaf;
            var identical = before.Valid && l.Ipa.Value == start && l.Size == size && l.Pfn == pfn
                && (l.Prot & (S2Prot.Device | S2Prot.NormalNc)) == want && l.Young && l.SwBits == swBits;
            if (identical != (r == Errno.EAGAIN))
                Report(ViolationKind.Stage2MapMismatch, $"stage-2 map of {ipa}+{Sizes.Format(size)} -> {pfn} {want.MemType()}{(swBits != 0 ? $" sw={swBits}" : "")} returned {(r == Errno.Ok ? "0" : "-EAGAIN")} over {before}: stage2_pte_needs_update gives {(identical ? "-EAGAIN" : "an update")}", start, 5);
            else if (identical && pgt.GetLeaf(ipa) != before)
                Report(ViolationKind.Stage2MapMismatch, $"stage-2 map of {ipa}+{Sizes.Format(size)} returned -EAGAIN but changed {before} into {pgt.GetLeaf(ipa)}", start, 6);
            return;
        }
        if (r != Errno.EAGAIN) return;
        var end = (ipa.Value + size + Sizes.PageSize - 1) & ~(Sizes.PageSize - 1);
        _scratch.Clear();
        pgt.CollectLeaves(new Ipa(start), end - start, _scratch);
        foreach (var leaf in _scratch)
        {
            if (leaf.Ipa.Value >= start && leaf.End.Value <= end && leaf.Pfn == pfn + ((leaf.Ipa.Value - start) >> Sizes.PageShift)
                && (leaf.Prot & (S2Prot.Device | S2Prot.NormalNc)) == want && leaf.Young && leaf.SwBits == swBits)
                return;
        }
        Report(ViolationKind.Stage2MapMismatch, $"stage-2 map of {new Ipa(start)}+{Sizes.Format(end - start)} -> {pfn} returned -EAGAIN with no leaf in the range that stage2_pte_needs_update leaves alone", start, 5);
    }

    /// <summary>A request <c>kvm_block_mapping_supported</c> maps as one leaf: an aligned page, PMD or PUD to an aligned output.</summary>
    private static bool OneLeaf(Ipa ipa, ulong size, Pfn pfn) =>
        size is Sizes.PageSize or Sizes.PmdSize or Sizes.PudSize && ipa.Value % size == 0 && pfn.Value % (size >> Sizes.PageShift) == 0;

    /// <summary>
    /// <c>kvm_pgtable_stage2_relax_perms(ipa, prot)</c> returned 0: the leaf over ipa has at least <c>prot</c>'s permissions
    /// (<c>stage2_attr_walker</c> only sets bits). <c>kvm_pgtable_stage2_mkyoung</c> returned 0: the leaf has the access flag.
    /// </summary>
    public void Stage2Relaxed(Stage2PageTable pgt, Ipa ipa, S2Prot prot, bool mkyoung)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        var w = pgt.GetLeaf(ipa);
        var perms = prot.Perms();
        if (!w.Valid || (w.Leaf.Perms & perms) != perms || (mkyoung && !w.Leaf.Young))
            Report(ViolationKind.Stage2MapMismatch,
                $"stage-2 {(mkyoung ? "mkyoung" : $"relax to {perms.FormatPerms()}")} of {ipa} returned 0 but the leaf there is {(w.Valid ? w.Leaf.ToString() : "missing")}", ipa.Value, 4);
    }
}
