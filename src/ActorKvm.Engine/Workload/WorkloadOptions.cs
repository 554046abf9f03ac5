using ActorKvm.Model.Host;

namespace ActorKvm.Engine.Workload;

/// <summary>The knobs of the built-in stress workload (in the spirit of the kernel's memstress selftests).</summary>
/// <param name="Vcpus">vCPU actors, each a closed loop of guest accesses.</param>
/// <param name="Memory">Guest memory in bytes, spread over the slots (sparse: only touched pages cost memory).</param>
/// <param name="Backings">One memslot per backing.</param>
/// <param name="InvalidateEvery">A host operation is started after this many finished accesses (0: none).</param>
/// <param name="DirtyLog">Toggle dirty logging on the first slot and harvest it.</param>
/// <param name="MemslotChurn">Move the last slot back and forth.</param>
/// <param name="Seed">Seed of every random choice the workload makes.</param>
/// <param name="MaxFaults">Stop issuing accesses once this many faults were handled (<c>--faults</c>).</param>
/// <param name="InvalidateRate">Host operations per second on a clock (<c>--invalidate-rate</c>; free-running only, 0: none).</param>
/// <param name="OddSlots">Small extra slots of unusual shapes next to the main ones (null: <see cref="OddSlot.Defaults"/> when no backing was chosen, none otherwise).</param>
/// <param name="Mte">The VM has MTE enabled (<c>KVM_CAP_ARM_MTE</c>): slots over VMAs without <c>VM_MTE_ALLOWED</c> (device memory) are refused.</param>
/// <param name="QueueHostOps">
/// Equal host work on every engine (the contention benchmarks): a host operation falls due every
/// <paramref name="InvalidateEvery"/> handled faults (not accesses), exactly <c>MaxFaults / InvalidateEvery</c> of them;
/// one that falls due while another runs waits for it instead of being skipped, vCPUs issue no access while more than
/// one waits (so invalidations overlap the faults on every engine), and the run ends only when all ran.
/// </param>
/// <param name="Protected">A protected VM (<c>pkvm_mem_abort</c>; see <see cref="ProtectedWorkload"/> for what the workload leaves out).</param>
/// <param name="Nested">FEAT_NV: the even vCPUs run L2 behind an L1 stage 2 (<see cref="NestedL2"/>).</param>
/// <param name="MapFixedReplace">
/// The VMM replaces a slot's memory with one <c>mmap(MAP_FIXED)</c> over it (<see cref="Model.Host.HostOp.MmapFixed"/>;
/// QEMU's <c>qemu_ram_remap</c> does so) instead of <c>munmap</c> then <c>mmap</c>: the old VMA goes and the new one comes
/// in one host operation, without the gap in which a fault finds no VMA at all. A replacement that lands between a
/// fault's VMA lookup and its pfn lookup then changes the VMA under it (what <c>kvm_s2_fault_get_vma_info</c>'s
/// sequence snapshot must cover); the same draws as the default, so only the replacements differ.
/// </param>
/// <param name="ReachOps">
/// Also the operations the default mix leaves out, so every model branch a bug could hide in is reached (the hunt's race
/// mix sets it; off for <c>run</c>, whose seeded trace it would change): <c>KVM_PRE_FAULT_MEMORY</c> from page- but not
/// block-aligned addresses, eager split (<c>KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE</c> 2M) on every logging enable, a slot
/// larger than 2M moved, deleted and re-created, and one-page munmaps (then an mmap of the hole) inside the blocks of
/// every non-hugetlb memory type, device memory included. Its draws come after the default ones, which stay as they were.
/// </param>
/// <param name="VmmOps">
/// Also the VMM's own operations (off everywhere but the mutation kill criterion's runs): it reads and
/// writes guest memory itself (a write to a page the host maps read-only breaks copy-on-write under an invalidation),
/// mprotects a 2M window read-only and back, and harvests with <c>KVM_CLEAR_DIRTY_LOG</c> as well as GET, with
/// <c>KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2</c> and initially-set bitmaps on.
/// </param>
/// <param name="GuestMemfd"><c>guest-memfd</c> slots are <c>KVM_MEM_GUEST_MEMFD</c> slots (<c>gmem_abort</c>), not plain slots over a mapping of the file (kill criterion only).</param>
public sealed record WorkloadOptions(
    int Vcpus = 4,
    ulong Memory = 64UL << 20,
    IReadOnlyList<BackingKind>? Backings = null,
    int InvalidateEvery = 16,
    [property: WorkloadKnob("--dirty-log", "Toggle dirty logging on the first slot and harvest it (default on; --dirty-log false to turn off)")] bool DirtyLog = true,
    [property: WorkloadKnob("--memslot-churn", "Move the last slot back and forth (default on; --memslot-churn false to turn off)")] bool MemslotChurn = true,
    ulong Seed = 1,
    long MaxFaults = long.MaxValue,
    double InvalidateRate = 0,
    IReadOnlyList<OddSlot>? OddSlots = null,
    bool Mte = false,
    bool QueueHostOps = false,
    bool Protected = false,
    bool Nested = false,
    [property: WorkloadKnob("--map-fixed", "The VMM replaces a slot's memory with one mmap(MAP_FIXED) over it instead of munmap then mmap (--bug applies it where a switch needs it)")] bool MapFixedReplace = false,
    bool ReachOps = false,
    bool VmmOps = false, bool GuestMemfd = false)
{
    /// <summary>Variants (proposed model changes, not bugs) on for the run's VM (<c>--variant</c>).</summary>
    public Model.Variants.VariantSet Variants { get; init; } = Model.Variants.VariantSet.None;

    /// <summary>The default mix: THP, anonymous and hugetlb-2M slots.</summary>
    public static IReadOnlyList<BackingKind> DefaultBackings { get; } = [BackingKind.Thp, BackingKind.Anon, BackingKind.Hugetlb2M];

    /// <summary>The backings actually used.</summary>
    public IReadOnlyList<BackingKind> EffectiveBackings => Backings ?? DefaultBackings;

    /// <summary>
    /// The extra slots actually laid out: the defaults with the default backings, none when <c>--backing</c> chose the
    /// slots; an MTE VM also gets <see cref="OddSlot.MteSharedMemory"/>.
    /// </summary>
    public IReadOnlyList<OddSlot> EffectiveOddSlots
    {
        get
        {
            var chosen = OddSlots ?? (Backings is null ? OddSlot.Defaults : []);
            return Mte ? [.. chosen, OddSlot.MteSharedMemory] : chosen;
        }
    }
}
