namespace ActorKvm.Model.Bugs;

/// <summary>
/// What the stress workload must do before a free-running run can show a switch, in the workload's own knobs (the
/// engine's <c>WorkloadOptions</c>); <c>run --bug NAME</c> applies them unless the option was given. Declared by the
/// switch's own file (<see cref="BugSwitch.Needs"/>).
/// </summary>
/// <param name="Why">Why the switch needs it (the kernel path that only then runs, or the window it opens).</param>
/// <param name="Mte">An MTE VM.</param>
/// <param name="MapFixedReplace">Memory replaced by one <c>mmap(MAP_FIXED)</c> instead of munmap then mmap.</param>
/// <param name="RaceDensity">
/// The hunt's race density (a small guest, a host operation every other access), for a race whose window is one actor
/// turn wide: the guest meets the host on the same pages many times more often.
/// </param>
/// <param name="Vcpus">vCPUs, or null to keep the run's.</param>
public sealed record BugNeeds(string Why, bool Mte = false, bool MapFixedReplace = false, bool RaceDensity = false, int? Vcpus = null);
