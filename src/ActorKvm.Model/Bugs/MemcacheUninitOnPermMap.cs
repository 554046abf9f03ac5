namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 3, <c>memcache-uninit-on-perm-map</c>: the memcache handed to the map is always selected; only its top-up may be skipped for permission faults.
/// </summary>
/// <remarks>Kernel fix: 157dbc4a321f. Where: prepare_mmu_memcache (UserMemAbort.PrepareMemcache).</remarks>
public static class MemcacheUninitOnPermMap
{
    /// <summary>The switch name.</summary>
    public const string Name = "memcache-uninit-on-perm-map";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(3, Name, "157dbc4a321f", "I6", "the memcache handed to the map is always selected; only its top-up may be skipped for permission faults",
        Produces: Oracle.ViolationKind.UninitialisedMemcache);

    /// <summary>
    /// What the map call got before the fix on a permission fault that skipped the top-up block: a memcache pointer
    /// that was never set. The model hands it a cache object that was never initialised (the kernel's wild pointer).
    /// </summary>
    public static Stage2.KvmMmuMemoryCache UnsetMemcache() => new();
}
