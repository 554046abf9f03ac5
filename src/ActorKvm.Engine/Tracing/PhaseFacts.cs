using System.Text;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Tracing;

/// <summary>
/// The kernel facts of a phase, read from the model at the phase boundary (inside the VM's gate, so nothing has moved
/// since the phase ran) for a trace slice's <c>args</c>: for a fault the IPA, HVA, memslot and its generation, pfn,
/// leaf size, stage-2 prot, and the <c>mmu_invalidate_seq</c> snapshot against the current value and
/// <c>mmu_invalidate_in_progress</c> (at <c>retry-check</c> these are exactly what <c>mmu_invalidate_retry</c> compared),
/// with the retry reason when the check failed; for a host operation its kind and range and the notifier's counters.
/// </summary>
public static class PhaseFacts
{
    private static readonly string VmaSnapshot = FaultPhase.VmaSnapshot.Name();

    /// <summary>The facts of <paramref name="activity"/>'s phase that just ended with <paramref name="result"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Of(Kvm kvm, Activity activity, StepResult result)
    {
        var facts = new List<KeyValuePair<string, string>>(12);
        void Add(string key, string value) => facts.Add(new(key, value));
        var notifier = kvm.Notifier;
        switch (activity)
        {
            case GuestAccess g:
                {
                    Add("vcpu", g.Vcpu.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    Add("access", g.Kind.ToString().ToLowerInvariant());
                    Add("gpa", g.Gpa.ToString());
                    var h = g.Handler;
                    var st = h.State;
                    if (h.Desc is { } desc)
                    {
                        Add("ipa", desc.Ipa.ToString());
                        Add("hva", desc.Hva.ToString());
                        Add("memslot", desc.Memslot.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        Add("memslot_generation", kvm.Memslots.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                    if (st.Pfn.Value != 0) Add("pfn", st.Pfn.ToString());
                    if (st.MapSize != 0) Add("size", Size(st.MapSize));
                    else if (st.Vma.VmaShift != 0) Add("size", Size(st.Vma.VmaPageSize));
                    if (st.Prot != Model.Arch.S2Prot.None) Add("prot", Prot(st.Prot));
                    var snapshotTaken = st.MmuSeq != 0 || result.Phase == VmaSnapshot || h.Next > FaultPhase.VmaSnapshot || h.Finished;
                    if (snapshotTaken && h.Desc is not null)
                    {
                        Add("mmu_seq", Num(st.MmuSeq));
                        Add("mmu_invalidate_seq", Num(notifier.MmuInvalidateSeq));
                        Add("mmu_invalidate_in_progress", Num((ulong)notifier.MmuInvalidateInProgress));
                    }
                    if (result.Status != StepStatus.Blocked && h.Finished && g.Faults.Count > 0 && g.Faults[^1] == FaultResult.Retry)
                        Add("retry_reason", notifier.MmuInvalidateInProgress != 0 ? "mmu_invalidate_in_progress"
                            : notifier.MmuInvalidateSeq != st.MmuSeq ? "mmu_invalidate_seq moved" : "other");
                    if (g.Faults.Count > 0) Add("result", g.Faults[^1].ToString().ToLowerInvariant());
                    break;
                }
            case HostOperation op:
                Add("op", Kebab(op.Op.ToString()));
                Add("hva", op.Hva.ToString());
                Add("size", Size(op.Size));
                if (notifier.RangeStart != MmuNotifierState.InvalidGfn)
                    Add("range", $"gfn 0x{notifier.RangeStart:x}-0x{notifier.RangeEnd:x}");
                Add("mmu_invalidate_seq", Num(notifier.MmuInvalidateSeq));
                Add("mmu_invalidate_in_progress", Num((ulong)notifier.MmuInvalidateInProgress));
                break;
        }
        return facts;
    }

    private static string Num(ulong v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A size as the kernel developer writes it: 4K, 2M, 1G.</summary>
    public static string Size(ulong bytes) =>
        bytes >= 1UL << 30 && bytes % (1UL << 30) == 0 ? $"{bytes >> 30}G"
        : bytes >= 1UL << 20 && bytes % (1UL << 20) == 0 ? $"{bytes >> 20}M"
        : bytes >= 1UL << 10 && bytes % (1UL << 10) == 0 ? $"{bytes >> 10}K"
        : $"{bytes}";

    private static string Prot(Model.Arch.S2Prot p)
    {
        var sb = new StringBuilder();
        if ((p & Model.Arch.S2Prot.R) != 0) sb.Append('r');
        if ((p & Model.Arch.S2Prot.W) != 0) sb.Append('w');
        if ((p & Model.Arch.S2Prot.X) != 0) sb.Append('x');
        sb.Append((p & Model.Arch.S2Prot.Device) != 0 ? " device" : (p & Model.Arch.S2Prot.NormalNc) != 0 ? " normal-nc" : " normal");
        return sb.ToString();
    }

    private static string Kebab(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name)
        {
            if (char.IsUpper(c) && sb.Length > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
