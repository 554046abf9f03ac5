namespace ActorKvm.Timing.Costs;

/// <summary>
/// The costs of modelled time: nanoseconds per fault phase and per page size, per host and memslot step, and the
/// machine parameters that make costs grow with the machine (the lock word's cache line, broadcast TLB invalidation,
/// memory bandwidth). Every key is required; the defaults live in <c>akka.hocon</c> (<c>actorkvm.modelled-time</c>), a
/// <c>--config</c> file overrides any of them. <see cref="Keys"/> names them all, with what each stands for.
/// </summary>
public sealed class ModelledCosts
{
    private readonly Dictionary<string, double> _values;

    /// <summary>Every key, with what it costs (the docs list them from here).</summary>
    public static IReadOnlyList<(string Key, string Meaning)> Keys { get; } =
    [
        ("fault-exit", "ns: guest exit to EL2 and back into the guest, once per fault (charged at classify)"),
        ("classify", "ns: kvm_handle_guest_abort decoding the ESR"),
        ("memslot-lookup", "ns: srcu_read_lock + gfn_to_memslot + gfn_to_hva"),
        ("vma-snapshot", "ns: mmap_read_lock, vma_lookup, the VMA facts, mmu_invalidate_seq, mmap_read_unlock"),
        ("pfn-faultin", "ns: __kvm_faultin_pfn of a page already present (GUP fast path); clearing a new folio is charged as memory traffic"),
        ("prot-computed", "ns: kvm_s2_fault_compute_prot"),
        ("mmu-lock", "ns: kvm_fault_lock uncontended, besides the lock word's cache line"),
        ("retry-check", "ns: mmu_invalidate_retry"),
        ("thp-adjust", "ns: transparent_hugepage_adjust / the size decision"),
        ("map-4k", "ns: kvm_pgtable_stage2_map installing a 4 KiB leaf (walk, PTE write, D-cache clean to PoC of the page without FWB)"),
        ("map-2m", "ns: the same for a 2 MiB block (the D-cache clean of 2 MiB dominates without FWB)"),
        ("map-1g", "ns: the same for a 1 GiB block"),
        ("relax", "ns: kvm_pgtable_stage2_relax_perms with its local TLBI"),
        ("bbm", "ns: break-before-make of a block by a fault (table page from the memcache, the walk down), besides the broadcast TLBI"),
        ("complete", "ns: release the page, unlock, mark_page_dirty_in_slot"),
        ("guest-access", "ns: one guest access that does not fault (a store or load of one word and its TLB walk)"),
        ("host-range-start", "ns: kvm_mmu_notifier_invalidate_range_start bookkeeping"),
        ("host-change", "ns: the host page-table change of a host MM operation"),
        ("host-range-end", "ns: kvm_mmu_notifier_invalidate_range_end"),
        ("unmap-leaf", "ns: per stage-2 leaf unmapped by an invalidation or a slot flush"),
        ("memslot-step", "ns: one kvm_set_memslot phase (copy and publish the slot array)"),
        ("srcu-grace-period", "ns: synchronize_srcu_expedited with no reader left to wait for"),
        ("wrprotect-leaf", "ns: per leaf write-protected (kvm_mmu_wp_memory_region, dirty-log harvest)"),
        ("split-block", "ns: eager split of one block into a table of 512 leaves (kvm_mmu_split_huge_pages)"),
        ("dirty-log-word", "ns: per 64-page word of the dirty bitmap a GET/CLEAR scans"),
        ("lock-line-bounce", "ns: an atomic on mmu_lock's word when another CPU touched it last (a cache-line transfer; machine parameter)"),
        ("lock-line-local", "ns: an atomic on mmu_lock's word this CPU touched last"),
        ("tlbi-broadcast", "ns: a broadcast TLBI + DSB ISH occupying the interconnect (DVM), serialised machine-wide (machine parameter)"),
        ("tlbi-broadcast-per-cpu", "ns: added to each broadcast per virtual CPU of the machine (acknowledgements; machine parameter)"),
        ("phase-variation", "coefficient of variation of each per-phase cost, 0..1: 1 = exponential (Markovian service), 0 = every phase costs exactly its mean; per-leaf and streaming costs stay at their mean"),
        ("core-bandwidth", "GB/s: what one CPU clears on an idle memory system (it slows as others stream: loaded latency)"),
        ("machine-bandwidth", "GB/s: the memory system's bandwidth shared by all CPUs, the B of its loaded latency 1/(1 - load/B) (machine parameter)"),
    ];

    /// <summary>Costs from <paramref name="values"/>: every key of <see cref="Keys"/>, each a finite number ≥ 0 (bandwidths &gt; 0).</summary>
    /// <exception cref="ArgumentException">A key is missing, unknown or out of range (the message names it).</exception>
    public ModelledCosts(IReadOnlyDictionary<string, double> values)
    {
        foreach (var k in values.Keys)
            if (!Keys.Any(x => x.Key == k)) throw new ArgumentException($"unknown cost '{k}' (known: {string.Join(", ", Keys.Select(x => x.Key))})");
        _values = [];
        foreach (var (k, _) in Keys)
        {
            if (!values.TryGetValue(k, out var v)) throw new ArgumentException($"missing cost '{k}'");
            if (!double.IsFinite(v) || v < 0 || (k.EndsWith("bandwidth", StringComparison.Ordinal) && v <= 0))
                throw new ArgumentException($"cost '{k}': expected a finite number {(k.EndsWith("bandwidth", StringComparison.Ordinal) ? "> 0" : ">= 0")}, got {v}");
            if (k == "phase-variation" && v > 1) throw new ArgumentException($"cost '{k}': expected 0..1, got {v}");
            _values[k] = v;
        }
    }

    /// <summary>The value of <paramref name="key"/>.</summary>
    public double this[string key] => _values[key];

    /// <summary>All values by key, in <see cref="Keys"/> order.</summary>
    public IReadOnlyDictionary<string, double> Values => _values;

    /// <summary>A copy with <paramref name="changes"/> applied.</summary>
    public ModelledCosts With(IEnumerable<KeyValuePair<string, double>> changes)
    {
        var d = new Dictionary<string, double>(_values);
        foreach (var (k, v) in changes) d[k] = v;
        return new ModelledCosts(d);
    }

    /// <summary>The CPU-local costs (everything but the machine parameters): what a 1-vCPU calibration scales.</summary>
    public static IReadOnlyList<string> LocalKeys { get; } =
        [.. Keys.Select(k => k.Key).Where(k => !k.StartsWith("lock-line", StringComparison.Ordinal) && !k.StartsWith("tlbi", StringComparison.Ordinal) && !k.EndsWith("bandwidth", StringComparison.Ordinal) && k != "phase-variation")];

    /// <summary>The cost of installing a leaf of <paramref name="size"/> bytes.</summary>
    public double MapLeaf(ulong size) => size >= 1UL << 30 ? this["map-1g"] : size >= 1UL << 21 ? this["map-2m"] : this["map-4k"];
}
