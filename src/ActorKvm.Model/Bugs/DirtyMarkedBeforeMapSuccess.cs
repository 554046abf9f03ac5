namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 13, <c>dirty-marked-before-map-success</c>: a gfn is marked dirty only after the map or relax that made it writable succeeded.
/// </summary>
/// <remarks>Kernel fix: 509552e65ae8. Where: user_mem_abort mark_page_dirty_in_slot placement (AbortHandler.OutUnlock, KvmS2FaultMap map).</remarks>
public static class DirtyMarkedBeforeMapSuccess
{
    /// <summary>The switch name.</summary>
    public const string Name = "dirty-marked-before-map-success";

    // Measured (README): found in about 3 of 5 10 s runs by default (1-3 violations), 6 of 6 at the race density (9-18).
    /// <summary>What the stress workload must do before a run can show this switch (<c>run --bug</c> applies it).</summary>
    public static readonly BugNeeds Needs = new(
        "the early dirty mark shows only when a map fails after the retry check (another vCPU installed the leaf first: "
        + "-EAGAIN in user_mem_abort), so vCPUs must meet on the same pages",
        RaceDensity: true);

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(13, Name, "509552e65ae8", "I3", "a gfn is marked dirty only after the map or relax that made it writable succeeded",
        Produces: Oracle.ViolationKind.DirtyWithoutMap, Needs: Needs);
}
