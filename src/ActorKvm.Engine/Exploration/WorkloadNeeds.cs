using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;

namespace ActorKvm.Engine.Exploration;

/// <summary>
/// What one bug switch needs the stress workload to do before a run can show it: knobs of
/// <see cref="WorkloadOptions"/> the default run leaves off. Null fields are left as they are.
/// </summary>
/// <param name="Why">Why the switch needs it (the kernel path that only then runs, or the window it opens).</param>
/// <param name="Mte">An MTE VM (<see cref="WorkloadOptions.Mte"/>).</param>
/// <param name="MapFixedReplace">Memory replaced by <c>mmap(MAP_FIXED)</c> (<see cref="WorkloadOptions.MapFixedReplace"/>).</param>
/// <param name="Memory">Guest memory in bytes (<see cref="WorkloadOptions.Memory"/>): less memory, fewer pages for the guest to revisit and the host to meet it on.</param>
/// <param name="Vcpus">vCPUs (<see cref="WorkloadOptions.Vcpus"/>).</param>
/// <param name="InvalidateEvery">A host operation after every this many accesses (<see cref="WorkloadOptions.InvalidateEvery"/>).</param>
public sealed record WorkloadNeed(string Why, bool? Mte = null, bool? MapFixedReplace = null, ulong? Memory = null, int? Vcpus = null, int? InvalidateEvery = null)
{
    /// <summary>An MTE VM: the VM the hunt rotates in as its MTE layout (<see cref="HuntOptions.Layouts"/>).</summary>
    public static WorkloadNeed MteVm(string why) => new(why, Mte: true);

    /// <summary>
    /// The hunt's race density (<see cref="HuntOptions.RaceMix"/>: a 6M guest, a host operation every other access), for a
    /// race whose window is one actor turn wide: the guest meets the host on the same pages many times more often.
    /// </summary>
    public static WorkloadNeed RaceDensity(string why, int? vcpus = null) =>
        new(why, Memory: HuntOptions.RaceMix.Memory, InvalidateEvery: HuntOptions.RaceMix.InvalidateEvery, Vcpus: vcpus);

    /// <summary><paramref name="o"/> with the knobs this need sets.</summary>
    public WorkloadOptions ApplyTo(WorkloadOptions o) => o with
    {
        Mte = Mte ?? o.Mte,
        MapFixedReplace = MapFixedReplace ?? o.MapFixedReplace,
        Memory = Memory ?? o.Memory,
        Vcpus = Vcpus ?? o.Vcpus,
        InvalidateEvery = InvalidateEvery ?? o.InvalidateEvery,
    };
}

/// <summary>
/// The bug switches a default free-running run cannot show, or shows too rarely, and the workload knobs that make it
/// show them (<c>actorkvm run --bug NAME</c> applies them, each unless its option was given). One line per switch; a
/// switch no faithful workload reaches is in <see cref="UnreachableFromWorkload"/> instead.
/// </summary>
public static class WorkloadNeeds
{
    /// <summary>Bug name → what the workload needs.</summary>
    public static IReadOnlyDictionary<string, WorkloadNeed> ByBug { get; } = new Dictionary<string, WorkloadNeed>
    {
        [VmaUsedAfterMmapUnlock.Name] = WorkloadNeed.MteVm("the stale VMA is read for kvm_vma_mte_allowed, which user_mem_abort asks only in an MTE VM"),
        [MteTagInitRace.Name] = WorkloadNeed.MteVm(
            "only an MTE VM sanitises tags, and its workload adds the shared-memory slot whose PROT_MTE alias is the second initialiser (mte_sync_tags)"),
        // Measured (README): a munmap then an mmap take six actor turns, which a fault's one turn between its VMA lookup
        // and its pfn lookup almost never spans (1-4 times in a 10 s run); one MAP_FIXED replacement takes two (20-50 times).
        [MmuSeqSnapshotAfterVmaUnlock.Name] = new(
            "the stale VMA size shows only when a hugetlb VMA is replaced by 4K memory between kvm_s2_fault_get_vma_info and "
            + "__kvm_faultin_pfn, which one mmap(MAP_FIXED) does in two actor turns where munmap then mmap take six",
            MapFixedReplace: true),
        // Measured (README): found in 2 of 6 10 s runs by default, 11 of 11 at the race density with 2 vCPUs (1-7 violations each).
        [PageTouchedAfterMmuUnlock.Name] = WorkloadNeed.RaceDensity(
            "the access-flag fault touches its page one actor turn after dropping mmu_lock (handle_access_fault) and an invalidation "
            + "freeing that page must run in that turn: a small guest revisits its aged pages, and the host frees them, far more often",
            vcpus: 2),
        // Measured (README): found in about 3 of 5 10 s runs by default (1-3 violations), 6 of 6 at the race density (9-18).
        [DirtyMarkedBeforeMapSuccess.Name] = WorkloadNeed.RaceDensity(
            "the early dirty mark shows only when a map fails after the retry check (another vCPU installed the leaf first: "
            + "-EAGAIN in user_mem_abort), so vCPUs must meet on the same pages"),
    };

    /// <summary>What <paramref name="bug"/> needs, or null.</summary>
    public static WorkloadNeed? For(string bug) => ByBug.GetValueOrDefault(bug);
}
