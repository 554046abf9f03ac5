using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rule <c>abort-syndrome-mismatch</c>: the hardware's stage-2 walk of a guest access, restated from the access kind and
/// the page table at that moment — the abort it raises carries the syndrome <c>kvm_handle_guest_abort</c> reads, and an
/// access it lets through completes as the walker does.
/// </summary>
public sealed partial class KvmOracle
{
    /// <summary>
    /// A guest access raised an abort with <paramref name="esr"/>. It must be the one the architecture gives: EC
    /// <c>IABT_LOW</c> for an instruction fetch, else <c>DABT_LOW</c>; for a data abort WnR for a store (tag stores,
    /// atomics and cache maintenance included), CM only for cache maintenance, ISV only for a single-register load or
    /// store (<c>kvm_vcpu_dabt_isvalid</c>; what <c>io_mem_abort</c> needs to emulate); the FSC of the first check that
    /// fails, at that level — translation (beyond the VM's IPA size: at the start level <c>VTCR_EL2.SL0</c> gives for the IPA size), access flag (without
    /// <c>VTCR_EL2.HA</c>), permission, exclusive/atomic on memory that is not Normal without <c>FEAT_LS64WB</c> — and no
    /// abort at all where every check passes.
    /// </summary>
    public void AbortRaised(Stage2PageTable pgt, Ipa gpa, AccessKind kind, Esr esr)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        var fsc = WalkFault(pgt, pgt.GetLeaf(gpa), gpa, kind);
        if (fsc is null)
        {
            Report(ViolationKind.AbortSyndromeMismatch, $"{kind} at {gpa} raised {esr}, but stage 2 permits it", gpa.Value, 1);
            return;
        }
        var data = kind != AccessKind.Exec;
        var store = kind is AccessKind.Write or AccessKind.StoreNoSyndrome or AccessKind.Atomic or AccessKind.TagWrite or AccessKind.Cmo;
        var syndrome = kind is AccessKind.Read or AccessKind.Write or AccessKind.TagRead or AccessKind.TagWrite;
        var want = Esr.Make(data ? Esr.EcDabtLow : Esr.EcIabtLow, fsc.Value, wnr: data && store,
            cm: kind == AccessKind.Cmo, isv: data && syndrome);
        if (want != esr)
            Report(ViolationKind.AbortSyndromeMismatch, $"{kind} at {gpa} raised {esr}, the walk gives {want}", gpa.Value, 2);
    }

    /// <summary>
    /// A guest access completed without an abort: the walk permitted it and the leaf is young after it (with
    /// <c>VTCR_EL2.HA</c> the walker sets the flag itself; without it an old leaf aborts), and a tag load outside an MTE
    /// VM's Normal memory read 0 (allocation tags are RAZ/WI there).
    /// </summary>
    public void AccessCompleted(Stage2PageTable pgt, Ipa gpa, AccessKind kind, ulong value)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        var w = pgt.GetLeaf(gpa);
        var fsc = WalkFault(pgt, w, gpa, kind);
        if (fsc is not null || !w.Leaf.Young)
        {
            Report(ViolationKind.AbortSyndromeMismatch, $"{kind} at {gpa} completed, but the walk gives {(fsc is { } f ? f.Describe() : "no abort")} over {(w.Valid ? w.Leaf.ToString() : "no leaf")}, left {(w.Leaf.Young ? "young" : "old")}", gpa.Value, 3);
            return;
        }
        if (kind == AccessKind.TagRead && value != 0 && (!_kvm.Config.Mte || w.Leaf.MemType != MemType.Normal))
            Report(ViolationKind.AbortSyndromeMismatch, $"tag load at {gpa} read {value} outside an MTE VM's Normal memory ({w.Leaf})", gpa.Value, 4);
    }

    /// <summary>
    /// The start level <c>kvm_get_vtcr</c> programs into <c>VTCR_EL2.SL0</c> for an IPA size, restated here:
    /// <c>stage2_pgtable_levels(ipa) = ARM64_HW_PGTABLE_LEVELS(ipa - 4)</c> levels (4 KiB granule), at least 2.
    /// </summary>
    private static int StartLevelFor(int ipaBits) => Stage2PageTable.LastLevel + 1 - Math.Max(2, (ipaBits - 4 - 4) / (Sizes.PageShift - 3));

    /// <summary>
    /// The FSC the stage-2 walk of <paramref name="kind"/> at <paramref name="gpa"/> raises now, or null; <paramref name="w"/>
    /// is <paramref name="pgt"/>'s walk of <paramref name="gpa"/> (taken once by the caller, which reports it too).
    /// </summary>
    private Fsc? WalkFault(Stage2PageTable pgt, in S2Walk w, Ipa gpa, AccessKind kind)
    {
        var config = _kvm.Config;
        // The walk starts at the level VTCR_EL2.SL0 gives for the VM's IPA size (kvm->arch.mmu.vtcr), never above it.
        var start = StartLevelFor(config.IpaBits);
        if (gpa.Value >= config.PhysSize) return FscCodes.Translation(start);
        if (!w.Valid) return FscCodes.Translation(Math.Max(w.Level, start));
        var leaf = w.Leaf;
        if (!config.HwAf && !leaf.Young) return FscCodes.AccessFlag(leaf.Level);
        var perm = kind switch
        {
            AccessKind.Exec => S2Prot.X,
            AccessKind.Read or AccessKind.LoadNoSyndrome or AccessKind.TagRead or AccessKind.Cmo => S2Prot.R,
            _ => S2Prot.W,
        };
        if ((leaf.Perms & perm) == 0) return FscCodes.Permission(leaf.Level);
        return kind == AccessKind.Atomic && leaf.MemType != MemType.Normal && !config.Ls64Wb ? Fsc.ExclAtomic : null;
    }
}
