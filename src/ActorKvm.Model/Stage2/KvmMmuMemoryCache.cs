using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

/// <summary>
/// <c>struct kvm_mmu_memory_cache</c>: pre-allocated pages the stage-2 walkers take new table pages
/// from, so a walk under <c>mmu_lock</c> never calls the page allocator. Pages are only counted.
/// </summary>
/// <remarks>
/// A cache starts uninitialised (no objects array, capacity 0). Allocating from it anyway is the bug
/// fixed by kernel commit 157dbc4a321f; <c>Stage2PageTable.Map</c> reports that to its observer.
/// </remarks>
public sealed class KvmMmuMemoryCache
{
    /// <summary>False until <see cref="TopUp"/> or <see cref="Init"/> is called (and again after <see cref="Free"/>).</summary>
    public bool Initialised { get; private set; }

    /// <summary><c>KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE</c> on arm64: the default capacity.</summary>
    public const int DefaultCapacity = 40;

    /// <summary>Creates a cache of <paramref name="capacity"/> pages (<c>mc-&gt;capacity</c>).</summary>
    public KvmMmuMemoryCache(int capacity = DefaultCapacity) => Capacity = capacity;

    /// <summary>How many pages a top-up fills the cache to.</summary>
    public int Capacity { get; }

    /// <summary>Pages currently available (<c>nobjs</c>).</summary>
    public int Count { get; private set; }

    /// <summary>Total pages top-ups allocated into the cache over its life (<c>mmu_memory_cache_alloc_obj</c>).</summary>
    public long PagesAllocated { get; private set; }

    /// <summary>Total pages <see cref="Free"/> returned to the page allocator.</summary>
    public long PagesFreed { get; private set; }

    /// <summary>Total pages handed to page tables over the cache's life.</summary>
    public int PagesConsumed { get; private set; }

    /// <summary>The VM's phase lock checker, told that a top-up that allocates may sleep (a vCPU's cache; null: not checked).</summary>
    public Locking.PhaseLockChecker? Locks { get; set; }

    /// <summary>When true, <see cref="TopUp"/> cannot add pages and fails with ENOMEM (allocation failure).</summary>
    public bool FailAllocations { get; set; }

    /// <summary>
    /// <c>kvm_mmu_topup_memory_cache</c>: initialises the cache, then, when fewer than <paramref name="min"/> pages are
    /// available, fills it to its capacity (<c>__kvm_mmu_topup_memory_cache</c>).
    /// </summary>
    /// <returns><see cref="Errno.Ok"/>, or <see cref="Errno.ENOMEM"/> when pages are needed and allocation fails.</returns>
    public Errno TopUp(int min)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(min);
        Initialised = true;
        if (Count >= min) return Errno.Ok; // __kvm_mmu_topup_memory_cache: nothing to do
        Locks?.MightSleep("kvm_mmu_topup_memory_cache"); // a GFP_KERNEL_ACCOUNT allocation
        if (FailAllocations) return Errno.ENOMEM;
        // Model knob: a zero-capacity cache never holds a page; the walker that needs one fails with -ENOMEM.
        if (Capacity == 0) return Errno.Ok;
        // __kvm_mmu_topup_memory_cache fills to capacity once below min, so later faults that skip the
        // top-up (permission faults) still find pages.
        var filled = Math.Max(min, Capacity);
        PagesAllocated += filled - Count;
        Count = filled;
        return Errno.Ok;
    }

    /// <summary>Marks the cache initialised without adding pages (<c>mc-&gt;capacity</c> set up).</summary>
    public void Init() => Initialised = true;

    /// <summary><c>kvm_mmu_free_memory_cache</c>: drops every page and returns the cache to the uninitialised state.</summary>
    public void Free()
    {
        PagesFreed += Count;
        Count = 0;
        Initialised = false;
    }

    /// <summary>
    /// The empty-cache half of <c>kvm_mmu_memory_cache_alloc</c>: after <c>WARN_ON(!mc-&gt;nobjs)</c> a page comes straight
    /// from the page allocator (<c>GFP_ATOMIC</c>), counted as allocated into the cache and handed out at once.
    /// </summary>
    /// <returns>False for the model's knobs that make a walk run out instead: a zero capacity, or failing allocations.</returns>
    public bool TryTakeAtomic()
    {
        if (Count != 0) throw new InvalidOperationException("the cache still holds pages"); // TryTake first
        if (Capacity == 0 || FailAllocations) return false;
        PagesAllocated++;
        PagesConsumed++;
        return true;
    }

    /// <summary>Consumes one page (<c>kvm_mmu_memory_cache_alloc</c>).</summary>
    /// <returns>False when the cache is empty.</returns>
    public bool TryTake()
    {
        if (Count == 0) return false;
        Count--;
        PagesConsumed++;
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"memcache(count={Count}, consumed={PagesConsumed}{(Initialised ? "" : ", uninitialised")})";
}
