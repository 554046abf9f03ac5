namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 13, <c>dirty-marked-before-map-success</c>: a gfn is marked dirty only after the map or relax that made it writable succeeded.
/// </summary>
/// <remarks>Kernel fix: 509552e65ae8. Where: user_mem_abort mark_page_dirty_in_slot placement (AbortHandler.OutUnlock, KvmS2FaultMap map).</remarks>
public static class DirtyMarkedBeforeMapSuccess
{
    /// <summary>The switch name.</summary>
    public const string Name = "dirty-marked-before-map-success";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(13, Name, "509552e65ae8", "I3", "a gfn is marked dirty only after the map or relax that made it writable succeeded");
}
