using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Nested;

/// <summary>
/// A vCPU's L2 context (a nested <c>struct kvm_s2_mmu</c> with <c>nested_stage2_enabled</c>): the L1 stage 2 the L1
/// hypervisor built (held as a stage-2 table whose outputs are L1 IPAs, so a walk stops at a real level) and the
/// shadow stage 2 KVM fills, keyed by L2 IPA, that the hardware walks while L2 runs.
/// </summary>
public sealed class NestedS2Mmu
{
    /// <summary>Builds the context from L1's mappings; Einval when a mapping is not a stage-2 leaf size or is misaligned.</summary>
    public static (NestedS2Mmu? Mmu, Errno Errno) Create(int ipaBits, IEnumerable<L1S2Map> l1)
    {
        var mmu = new NestedS2Mmu(ipaBits);
        var mc = new KvmMmuMemoryCache(int.MaxValue);
        foreach (var m in l1)
        {
            if (m.Size is not (Sizes.PageSize or Sizes.PmdSize or Sizes.PudSize) || !m.L2Ipa.IsAligned(m.Size) || !m.L1Ipa.IsAligned(m.Size)
                || m.L2Ipa.Value + m.Size > mmu.L1.IpaSize)
                return (null, Errno.EINVAL);
            mc.TopUp(mmu.L1.Levels);
            if (mmu.L1.Map(m.L2Ipa, m.Size, new Pfn(m.L1Ipa.Value >> Sizes.PageShift), m.Perms, mc) != Errno.Ok) return (null, Errno.EINVAL);
        }
        return (mmu, Errno.Ok);
    }

    private NestedS2Mmu(int ipaBits)
    {
        L1 = new Stage2PageTable(ipaBits);
        Shadow = new Stage2PageTable(ipaBits);
    }

    /// <summary>L1's stage 2 (VTTBR_EL2 of the vCPU's virtual EL2), read by <c>kvm_walk_nested_s2</c>.</summary>
    public Stage2PageTable L1 { get; }

    /// <summary>The shadow stage 2 (<c>hw_mmu-&gt;pgt</c> while L2 runs).</summary>
    public Stage2PageTable Shadow { get; }

    /// <summary>The L1 IPA an L2 IPA translates to, or null.</summary>
    public Ipa? Translate(Ipa l2) => KvmWalkNestedS2.Walk(this, l2) is { Trans: { } t } ? t.Output + (l2.Value & (Sizes.PageSize - 1)) : null;
}
