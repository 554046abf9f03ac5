using ActorKvm.Engine.Workload;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// A recorded free-running run, as saved on a violation: the workload's options and bug switches (so the file alone
/// replays it), the delivery order (<see cref="DeliveryRecorder"/> entries) and, when the oracle fired during the
/// run, only the prefix up to that turn. Its file format belongs to the harness (<c>actorkvm</c>'s schedule file).
/// </summary>
/// <param name="Workload">The workload that ran.</param>
/// <param name="Bugs">Bug switches that were on.</param>
/// <param name="Entries">The delivery order and decisions.</param>
/// <param name="Prefix">The entries stop at the turn where the first violation appeared (the replay stops there too).</param>
/// <param name="FirstViolation">The first violation as the run printed it, or null.</param>
/// <param name="FirstViolationDelivery">The delivery during which it appeared (1-based), or -1 (found by the final check).</param>
/// <param name="RunOn">Its workers ran on from the run's seed (<see cref="Actors.Workers.RunOnOdds"/>); false in files recorded before.</param>
public sealed record RecordedSchedule(WorkloadOptions Workload, IReadOnlyList<string> Bugs, ushort[] Entries, bool Prefix,
    string? FirstViolation, long FirstViolationDelivery, bool RunOn = false);
