using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;

namespace ActorKvm.Engine.Exploration;

/// <summary>
/// What one bug switch needs the stress workload to do before a run can show it: knobs of
/// <see cref="WorkloadOptions"/> the default run leaves off (<c>actorkvm run --bug NAME</c> applies them, each unless its
/// option was given). Null fields are left as they are.
/// </summary>
/// <param name="Why">Why the switch needs it (the kernel path that only then runs, or the window it opens).</param>
/// <param name="Mte">An MTE VM (<see cref="WorkloadOptions.Mte"/>).</param>
/// <param name="MapFixedReplace">Memory replaced by <c>mmap(MAP_FIXED)</c> (<see cref="WorkloadOptions.MapFixedReplace"/>).</param>
/// <param name="Memory">Guest memory in bytes (<see cref="WorkloadOptions.Memory"/>): less memory, fewer pages for the guest to revisit and the host to meet it on.</param>
/// <param name="Vcpus">vCPUs (<see cref="WorkloadOptions.Vcpus"/>).</param>
/// <param name="InvalidateEvery">A host operation after every this many accesses (<see cref="WorkloadOptions.InvalidateEvery"/>).</param>
public sealed record WorkloadNeed(string Why, bool? Mte = null, bool? MapFixedReplace = null, ulong? Memory = null, int? Vcpus = null, int? InvalidateEvery = null)
{
    /// <summary>The knobs a switch's declared <paramref name="needs"/> amount to (race density: <see cref="HuntOptions.RaceMix"/>'s guest size and host rate).</summary>
    public static WorkloadNeed Of(BugNeeds needs) => new(needs.Why,
        Mte: needs.Mte ? true : null,
        MapFixedReplace: needs.MapFixedReplace ? true : null,
        Memory: needs.RaceDensity ? HuntOptions.RaceMix.Memory : null,
        Vcpus: needs.Vcpus,
        InvalidateEvery: needs.RaceDensity ? HuntOptions.RaceMix.InvalidateEvery : null);

    /// <summary>What <paramref name="bug"/>'s switch needs (its own file's <see cref="BugSwitch.Needs"/>), or null.</summary>
    public static WorkloadNeed? For(string bug) => BugCatalog.Find(bug)?.Needs is { } needs ? Of(needs) : null;

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

