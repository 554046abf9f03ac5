using ActorKvm.Engine.Workload;

namespace ActorKvm.Stress.Schedules;

/// <summary>The kinds of schedule file: what the entries are and how <c>replay</c> runs them.</summary>
internal static class ScheduleKinds
{
    /// <summary>A free-running <c>run</c>'s delivery order (<c>DeliveryRecorder</c> entries), replayed in that order.</summary>
    public const string RecordedRun = "recorded-run";

    /// <summary>A hunt's minimized choice sequence, replayed on the seeded dispatcher (<c>ReplayStrategy</c>).</summary>
    public const string Hunt = "hunt";

    /// <summary>Every kind a file may name.</summary>
    public static readonly IReadOnlyList<string> All = [RecordedRun, Hunt];
}

/// <summary>
/// The self-describing header of a schedule file, serialized by System.Text.Json (source-generated, <see cref="ScheduleJson"/>):
/// everything a replay needs besides the entries, so <c>actorkvm replay --schedule FILE</c> takes nothing else. The
/// workload is the engine's own <see cref="WorkloadOptions"/> record, so a new workload knob travels in the file without
/// a change here (a file written before the knob existed loads with the knob's default).
/// </summary>
/// <param name="Kind">One of <see cref="ScheduleKinds"/>.</param>
/// <param name="Seed">The run's seed (the workload's; a hunt's schedule also seeded its dispatcher with it).</param>
/// <param name="Bugs">Bug switches that were on.</param>
/// <param name="Workload">The workload's options, exactly as they ran.</param>
/// <param name="Entries">How many entries follow the header.</param>
/// <param name="FirstViolation">The first violation (or other problem) as the run printed it, or null.</param>
/// <param name="FirstViolationDelivery">A recorded run: the delivery during which it appeared (1-based), or -1 (the final check).</param>
/// <param name="Prefix">A recorded run: the entries stop at the turn where the first violation appeared.</param>
/// <param name="RunOn">A recorded run: its workers ran on into an activity's next phase from the run's seed (absent: false, as before).</param>
internal sealed record ScheduleHeader(
    string Kind,
    ulong Seed,
    IReadOnlyList<string> Bugs,
    WorkloadOptions Workload,
    long Entries,
    string? FirstViolation = null,
    long FirstViolationDelivery = -1,
    bool Prefix = false,
    bool RunOn = false);
