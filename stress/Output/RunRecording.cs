using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Schedules;

namespace ActorKvm.Stress.Output;

/// <summary>How to reproduce a run that found a problem: the command, and the saved schedule it replays if any.</summary>
/// <param name="Command">The command line that reproduces the run.</param>
/// <param name="ScheduleFile">The recorded free-running schedule saved for it, or null.</param>
/// <param name="Where">Where the first problem appeared, as printed (or null).</param>
internal sealed record RunReproduction(string Command, string? ScheduleFile = null, string? Where = null);

/// <summary>Saves a recorded free-running run's schedule when it found a problem (<c>run --record</c>).</summary>
internal static class RunRecording
{
    /// <summary>
    /// Saves the schedule of <paramref name="r"/> into <paramref name="dir"/> when it found a problem and its
    /// recording holds it; returns the <c>replay --schedule</c> reproduction, or null (then the seeded command stands).
    /// </summary>
    public static RunReproduction? Save(StressResult r, WorkloadOptions options, IReadOnlyList<string> bugs, string dir)
    {
        if (r.Recording is not { } rec || Hunter.FirstProblem(r) is not { } problem) return null;
        var duringRun = rec.FirstViolationDelivery >= 0;
        if (duringRun && rec.FirstViolationEntries < 0 || !duringRun && rec.Overflowed)
            return new RunReproduction("", null,
                $"the recording stopped at its limit of {rec.Limit} entries before the problem appeared, so this run cannot be replayed");
        var file = Path.Combine(dir, $"actorkvm-run-{options.Seed}.schedule");
        var entries = rec.Entries(duringRun ? rec.FirstViolationEntries : -1);
        // Every free-running run's workers run on (RunSession.FreeRunning): the replay's must too.
        ScheduleFile.Of(new RecordedSchedule(options, bugs, entries, duringRun, problem.ToString(), rec.FirstViolationDelivery, RunOn: true)).Save(file);
        var where = duringRun
            ? $"first violation during delivery {rec.FirstViolationDelivery} of {rec.Deliveries}: {problem}"
            : $"first problem found by the final check after {rec.Deliveries} deliveries: {problem}";
        return new RunReproduction($"actorkvm replay --schedule {file}", file, where);
    }
}
