using ActorKvm.Model.Oracle;

namespace ActorKvm.Engine.Exploration;

/// <summary>The outcome of a hunt.</summary>
/// <param name="Found">The first violation found, or null when the budget ran out.</param>
/// <param name="Seed">The seed of the schedule that found it.</param>
/// <param name="SchedulesTried">Schedules run, including the one that found it.</param>
/// <param name="Elapsed">Wall-clock time, shrinking included.</param>
/// <param name="ScheduleLength">Choice points of the failing schedule.</param>
/// <param name="Minimized">The shrunk choice sequence that still gives the same violation kind (replay with <see cref="Scheduling.ReplayStrategy"/>).</param>
/// <param name="Workload">The failing schedule's workload (its seed and slot layout), or null.</param>
/// <param name="Abandoned">Schedules stopped at their delivery bound (an unfair PCT schedule that would not end).</param>
/// <param name="FoundAfter">Wall-clock time until the failing schedule ended (before shrinking); the whole hunt when nothing was found.</param>
/// <param name="Coverage">The (fault phase, concurrent host/memslot phase) pairs interleaved, summed over the schedules tried.</param>
public sealed record HuntResult(Violation? Found, ulong Seed, long SchedulesTried, TimeSpan Elapsed, int ScheduleLength, int[]? Minimized,
    Workload.WorkloadOptions? Workload = null, long Abandoned = 0, TimeSpan FoundAfter = default, Model.Vm.PhaseCoverage? Coverage = null)
{
    /// <summary>Schedules in which the oracle recorded an upstream finding (<see cref="UpstreamFindings"/>; never a hit).</summary>
    public long FindingSchedules { get; init; }

    /// <summary>The model operations and branches reached, summed over the schedules tried.</summary>
    public Reachability? Reach { get; init; }

    /// <summary>The first upstream finding seen, or null.</summary>
    public Violation? FirstFinding { get; init; }

    /// <summary>One line on the upstream findings seen, or null when there were none.</summary>
    public string? FindingsLine => FirstFinding is { } f
        ? $"upstream finding {f.Finding} in {FindingSchedules} schedule(s), not a switch's doing (scenarios/findings/{f.Finding}.hocon): {f.Kind.Name()}: {f.Detail}"
        : null;
}
