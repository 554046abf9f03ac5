using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// The semantic checks of the initial configuration: the VM against the host, the VMAs, and the initial
/// memslots as <c>kvm_set_memory_region</c> and <c>kvm_arch_prepare_memory_region</c> would check them.
/// A slot the kernel would refuse is bad input here; the same slot in a <c>memslot-create</c> step is
/// not checked (its errno is that step's result).
/// </summary>
internal static class ScenarioValidator
{
    public static void Validate(ScenarioDefinition s)
    {
        // kvm_init_stage2_mmu: a VM asking for more IPA bits than the host supports cannot be created.
        if (s.Vm.IpaBits > s.Host.IpaLimit)
            throw new ScenarioParseException("vm.ipa-bits", $"{s.Vm.IpaBits} exceeds host.ipa-limit {s.Host.IpaLimit}");
        ValidateVmas(s.Host.Vmas);
        ValidateMemslots(s);
    }

    private static void ValidateVmas(IReadOnlyList<VmaSpec> vmas)
    {
        foreach (var v in vmas)
        {
            var align = Math.Max(Sizes.PageSize, v.Backing.HugetlbPageSize());
            var unit = v.Backing.IsHugetlb() ? $"the {Sizes.Format(align)} huge page size of {v.Backing.ToScenarioName()}" : "the 4K page size";
            if (!v.Hva.IsAligned(align))
                throw new ScenarioParseException($"{v.Path}.hva", $"{v.Hva} is not a multiple of {unit}");
            if (v.Size == 0)
                throw new ScenarioParseException($"{v.Path}.size", "must be greater than 0");
            if (v.Size % align != 0)
                throw new ScenarioParseException($"{v.Path}.size", $"{Sizes.Format(v.Size)} is not a multiple of {unit}");
            if (v.Hva.Value + v.Size < v.Hva.Value)
                throw new ScenarioParseException($"{v.Path}.size", "range wraps past the end of the address space");
        }
        var byStart = vmas.OrderBy(v => v.Hva.Value).ToList();
        for (var i = 1; i < byStart.Count; i++)
        {
            var (a, b) = (byStart[i - 1], byStart[i]);
            if (b.Hva.Value < a.Hva.Value + a.Size)
            {
                var later = IndexOf(vmas, a) > IndexOf(vmas, b) ? a : b;
                var other = later == a ? b : a;
                throw new ScenarioParseException($"{later.Path}.hva", $"VMA {Range(later.Hva.Value, later.Size)} overlaps {other.Path} {Range(other.Hva.Value, other.Size)}");
            }
        }
    }

    private static void ValidateMemslots(ScenarioDefinition s)
    {
        // By id and by gpa, so n slots cost O(n log n): the kernel allows 32 767 of them.
        var byId = new Dictionary<int, MemslotSpec>();
        var byGpa = new List<MemslotSpec>();
        var vmas = s.Host.Vmas.OrderBy(v => v.Hva.Value).ToList();
        foreach (var m in s.Memslots)
        {
            if (byId.TryGetValue(m.Id, out var sameId))
                throw new ScenarioParseException($"{m.Path}.id", $"duplicate memslot id {m.Id} (also {sameId.Path})");
            CheckFlags(m);
            CheckAlignment(m);
            // kvm_set_memory_region: mem->memory_size >> PAGE_SHIFT > KVM_MEM_MAX_NR_PAGES -> -EINVAL.
            if (m.Size / Sizes.PageSize > MemslotValidation.MaxNrPages)
                throw new ScenarioParseException($"{m.Path}.size",
                    $"{Sizes.Format(m.Size)} is {m.Size / Sizes.PageSize} pages, more than KVM_MEM_MAX_NR_PAGES (2^31 - 1; kvm_set_memory_region: -EINVAL)");
            // kvm_set_memory_region: a new slot must not overlap another slot's gfn range (-EEXIST).
            var at = FirstEndingAfter(byGpa, m.Gpa.Value);
            if (at < byGpa.Count && byGpa[at].Gpa < m.GpaEnd)
            {
                var overlap = byGpa[at];
                throw new ScenarioParseException($"{m.Path}.gpa",
                    $"slot {Range(m.Gpa.Value, m.Size)} overlaps {overlap.Path} {Range(overlap.Gpa.Value, overlap.Size)}");
            }
            // kvm_arch_prepare_memory_region: base_gfn + npages > kvm_phys_size >> PAGE_SHIFT -> -EFAULT.
            if (m.GpaEnd.Value > s.Vm.PhysSize)
                throw new ScenarioParseException($"{m.Path}.gpa",
                    $"slot {Range(m.Gpa.Value, m.Size)} ends beyond the IPA space of 2^{s.Vm.IpaBits} bytes (vm.ipa-bits)");
            CheckVmas(s, m, vmas);
            byId[m.Id] = m;
            byGpa.Insert(at, m);
        }
    }

    /// <summary>The index of the first slot of <paramref name="sorted"/> (disjoint, by gpa) ending after <paramref name="gpa"/>.</summary>
    private static int FirstEndingAfter(List<MemslotSpec> sorted, ulong gpa)
    {
        int lo = 0, hi = sorted.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (sorted[mid].GpaEnd.Value <= gpa) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary><c>check_memory_region_flags</c>: guest_memfd slots cannot log dirty pages or be read-only.</summary>
    private static void CheckFlags(MemslotSpec m)
    {
        if (m.GuestMemfd && m.LogDirty)
            throw new ScenarioParseException($"{m.Path}.log-dirty", "a guest-memfd slot cannot log dirty pages");
        if (m.GuestMemfd && m.ReadOnly)
            throw new ScenarioParseException($"{m.Path}.readonly", "a guest-memfd slot cannot be read-only");
    }

    private static void CheckAlignment(MemslotSpec m)
    {
        if (!m.Gpa.IsAligned(Sizes.PageSize))
            throw new ScenarioParseException($"{m.Path}.gpa", $"{m.Gpa} is not page aligned (4K)");
        if (m.Size == 0)
            throw new ScenarioParseException($"{m.Path}.size", "must be greater than 0");
        if (m.Size % Sizes.PageSize != 0)
            throw new ScenarioParseException($"{m.Path}.size", $"{Sizes.Format(m.Size)} is not a multiple of the 4K granule");
        if (!m.Hva.IsAligned(Sizes.PageSize))
            throw new ScenarioParseException($"{m.Path}.hva", $"{m.Hva} is not page aligned (4K)");
        if (m.Gpa.Value + m.Size < m.Gpa.Value || m.Hva.Value + m.Size < m.Hva.Value)
            throw new ScenarioParseException($"{m.Path}.size", "range wraps past the end of the address space");
    }

    /// <summary>The per-VMA rules of <c>kvm_arch_prepare_memory_region</c>; holes are allowed.</summary>
    private static void CheckVmas(ScenarioDefinition s, MemslotSpec m, List<VmaSpec> byHva)
    {
        // VMAs do not overlap (checked above), so those meeting the slot are a run of the list sorted by start.
        int lo = 0, hi = byHva.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (byHva[mid].Hva.Value + byHva[mid].Size <= m.Hva.Value) lo = mid + 1; else hi = mid;
        }
        for (var i = lo; i < byHva.Count && byHva[i].Hva.Value < m.Hva.Value + m.Size; i++)
        {
            var v = byHva[i];
            var backing = v.Backing.ToScenarioName();
            if (s.Vm.Features.Mte && !v.Backing.MteAllowed())
                throw new ScenarioParseException($"{m.Path}.hva", $"MTE VM: {v.Path} ({backing}) does not allow MTE (no VM_MTE_ALLOWED)");
            if (v.Backing.IsPfnMap() && m.LogDirty)
                throw new ScenarioParseException($"{m.Path}.log-dirty", $"{v.Path} is a PFNMAP VMA ({backing}); dirty logging is refused");
            if (v.Backing == BackingKind.DeviceCacheable && !s.Vm.Features.SupportsCacheablePfnMap)
                throw new ScenarioParseException($"{m.Path}.hva",
                    $"{v.Path} is cacheable PFNMAP ({backing}), which needs vm.features.s2fwb and cache-dic");
        }
    }

    private static int IndexOf(IReadOnlyList<VmaSpec> vmas, VmaSpec v)
    {
        for (var i = 0; i < vmas.Count; i++) if (ReferenceEquals(vmas[i], v)) return i;
        return -1;
    }

    private static string Range(ulong start, ulong size) => $"0x{start:x}-0x{start + size:x}";
}
