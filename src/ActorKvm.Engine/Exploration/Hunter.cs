using System.Diagnostics;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;

namespace ActorKvm.Engine.Exploration;

/// <summary>
/// Explores interleavings of the generic race workload on the deterministic dispatcher — random or PCT — until
/// the oracle reports a violation or the budget is spent; then shrinks the failing choice sequence. Nothing is
/// scripted: a hit proves the buggy interleaving arises from an ordinary workload.
/// </summary>
public static class Hunter
{
    /// <summary>Hunts with <paramref name="bugs"/> on; shrinks the failing schedule unless <paramref name="shrink"/> is false.</summary>
    public static HuntResult Hunt(DeterministicSystem det, HuntOptions o, BugSet bugs, CancellationToken cancel = default, bool shrink = true)
    {
        var sw = Stopwatch.StartNew();
        long tried = 0, abandoned = 0;
        long expectedChoices = 4_000; // refined from the schedules seen
        var coverage = new Model.Vm.PhaseCoverage();
        var reach = new Reachability();
        long findingSchedules = 0;
        Violation? firstFinding = null;
        // The wall-clock budget holds inside a schedule too (a schedule of 10^12 faults never ends by itself): a timer
        // cancels the schedule in flight, which then stops as a Ctrl-C stops it and counts as abandoned, not a verdict.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (o.MaxTime < TimeSpan.FromDays(24)) budget.CancelAfter(o.MaxTime); // a timer holds at most 2^31 ms
        while (tried < o.MaxSchedules && sw.Elapsed < o.MaxTime && !budget.IsCancellationRequested)
        {
            var index = o.FirstIndex + tried;
            var seed = o.Seed + (ulong)index;
            var workload = o.ScheduleWorkload(index, seed);
            ISchedulingStrategy strategy = o.Strategy == HuntStrategy.Pct ? new PctStrategy(seed, o.Depth, expectedChoices) : new SeededStrategy(seed);
            // PCT is deliberately unfair: an actor that polls for progress can keep a starved one from ever running. A
            // schedule that outlives its bound is abandoned (its mid-flight state is no verdict), not reported.
            var r = StressRun.RunDeterministic(det, workload, strategy, bugs, budget.Token, maxDeliveries: DeliveryBound(workload));
            tried++;
            if (budget.IsCancellationRequested)
            {
                abandoned++; // cut off by the budget or Ctrl-C mid-schedule: its state is no verdict
                break;
            }
            if (r.Stats.Coverage is { } c) coverage.Add(c);
            if (r.Stats.Reach is { } rc) reach.Add(rc);
            if (r.Findings.Count > 0)
            {
                findingSchedules++;
                firstFinding ??= r.Findings[0];
            }
            if (r.Schedule!.Truncated)
            {
                abandoned++;
                continue;
            }
            expectedChoices = Math.Max(16, r.Schedule!.Choices.Length);
            if (FirstProblem(r) is { } found)
            {
                var foundAfter = sw.Elapsed;
                var minimized = shrink ? Shrink(det, workload, bugs, r.Schedule.Choices, found) : r.Schedule.Choices;
                return new HuntResult(found, seed, tried, sw.Elapsed, r.Schedule.Choices.Length, minimized, workload, abandoned, foundAfter, coverage)
                {
                    FindingSchedules = findingSchedules,
                    FirstFinding = firstFinding,
                    Reach = reach,
                };
            }
        }
        return new HuntResult(null, 0, tried, sw.Elapsed, 0, null, null, abandoned, sw.Elapsed, coverage)
        {
            FindingSchedules = findingSchedules,
            FirstFinding = firstFinding,
            Reach = reach,
        };
    }

    /// <summary>A schedule's delivery bound: far above a fair schedule's (about 12 deliveries per fault).</summary>
    public static long DeliveryBound(WorkloadOptions w) => Math.Max(20_000, w.MaxFaults > long.MaxValue / 200 ? long.MaxValue : w.MaxFaults * 200);

    /// <summary>The first violation, or a leaked fault reference as one.</summary>
    public static Violation? FirstProblem(StressResult r) =>
        r.Violations.Count > 0 ? r.Violations[0]
        : r.OutstandingFaultRefs != 0 ? new Violation(ViolationKind.PageRefLeak, $"{r.OutstandingFaultRefs} fault page reference(s) outstanding at the end", null)
        : null;

    /// <summary>True when <paramref name="v"/> is the violation <paramref name="found"/> names: the same kind and subject (kind + address).</summary>
    public static bool SameViolation(Violation v, Violation found) => v.Kind == found.Kind && v.Subject == found.Subject;

    /// <summary>
    /// Shrinks <paramref name="choices"/> while replaying it still gives <paramref name="found"/> as its first problem
    /// (the same kind and subject, <see cref="SameViolation"/>: the violation the hunt printed, not another of its kind):
    /// first the shortest prefix (the rest runs oldest-first), then each remaining choice set to the oldest mailbox.
    /// </summary>
    public static int[] Shrink(DeterministicSystem det, WorkloadOptions workload, BugSet bugs, int[] choices, Violation found, int maxReplays = 200)
    {
        var replays = 0;
        bool Fails(int[] c)
        {
            replays++;
            var r = StressRun.RunDeterministic(det, workload, new ReplayStrategy(c), bugs, maxDeliveries: DeliveryBound(workload));
            if (r.Schedule!.Truncated) return false;
            return FirstProblem(r) is { } v && SameViolation(v, found);
        }

        var best = choices;
        int lo = 0, hi = best.Length; // the prefix of length hi fails
        while (lo < hi && replays < maxReplays)
        {
            var mid = (lo + hi) / 2;
            if (Fails(best[..mid])) hi = mid; else lo = mid + 1;
        }
        best = best[..hi];
        for (var i = best.Length - 1; i >= 0 && replays < maxReplays; i--)
        {
            if (best[i] == 0) continue;
            var candidate = (int[])best.Clone();
            candidate[i] = 0;
            if (Fails(candidate)) best = candidate;
        }
        // Trailing zeros are what a replay does past the end anyway.
        var end = best.Length;
        while (end > 0 && best[end - 1] == 0) end--;
        return best[..end];
    }
}
