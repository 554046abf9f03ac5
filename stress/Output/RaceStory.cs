using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Fault;

namespace ActorKvm.Stress.Output;

/// <summary>
/// Tells a recorded race in kernel terms (<c>actorkvm replay --explain</c>), from the trace's facts only: who snapshotted
/// which <c>mmu_seq</c> where, which invalidation ran in between, what <c>mmu_invalidate_retry</c> compared, what stage 2
/// mapped, and which rule broke — up to the first violation.
/// </summary>
public static class RaceStory
{
    private static readonly string VmaSnapshot = FaultPhase.VmaSnapshot.Name();
    private static readonly string Map = FaultPhase.Map.Name();
    private static readonly string RetryCheck = FaultPhase.RetryCheck.Name();
    private static readonly string RangeStart = HostOpPhase.RangeStart.Name();
    private static readonly string RangeEnd = HostOpPhase.RangeEnd.Name();

    /// <summary>The story's lines (a handful); one line saying so when the run had no violation.</summary>
    public static IReadOnlyList<string> Tell(TraceRecorder trace)
    {
        var events = trace.Events;
        if (trace.Violations.Count == 0) return ["no violation in this run: nothing to explain"];
        var v = trace.Violations[0];
        var lines = new List<string>();
        var missed = trace.MissedFlows.Where(f => f.To <= v.AfterEvent).Select(f => ((int From, int To)?)f).LastOrDefault();
        // Without an arrow (the invalidation did not cover the fault's gfn, or none ran), tell the fault the oracle caught:
        // its last retry check, and the invalidation last started before it that had not ended.
        if (missed is null && events[v.AfterEvent].Kind == nameof(Model.Fault.GuestAccess)
            && LastBefore(events, v.AfterEvent + 1, e => e.Activity == events[v.AfterEvent].Activity && e.Phase == RetryCheck) is { } lastCheck
            && LastBefore(events, lastCheck, e => e.Phase == RangeStart
                && FirstAfter(events, 0, lastCheck, x => x.Activity == e.Activity && x.Phase == RangeEnd && x.Start > e.Start) is null) is { } open)
            missed = (open, lastCheck);
        if (missed is { } m)
        {
            var check = events[m.To];
            var fault = check.Activity;
            var snapshot = LastBefore(events, m.To, e => e.Activity == fault && e.Phase == VmaSnapshot);
            var inval = events[m.From];
            if (snapshot is { } s)
                lines.Add($"delivery {events[s].Start}: {events[s].Track} (activity {fault}, {Arg(events[s], "access")} fault at gpa {Arg(events[s], "gpa")}, "
                    + $"ipa {Arg(events[s], "ipa")}, hva {Arg(events[s], "hva")}, memslot {Arg(events[s], "memslot")} generation {Arg(events[s], "memslot_generation")}): "
                    + $"user_mem_abort snapshotted mmu_seq = {Arg(events[s], "mmu_seq")} (mmu_invalidate_in_progress {Arg(events[s], "mmu_invalidate_in_progress")}) "
                    + "and dropped mmap_lock");
            var where = inval.Phase == RangeStart ? "kvm_mmu_notifier_invalidate_range_start" : "kvm_mmu_notifier_invalidate_range_end";
            lines.Add($"delivery {inval.Start}: {inval.Track} (activity {inval.Activity}, {Arg(inval, "op")} of hva {Arg(inval, "hva")}+{Arg(inval, "size")}, {Arg(inval, "range")}): "
                + $"{where}: mmu_invalidate_in_progress {Arg(inval, "mmu_invalidate_in_progress")}, mmu_invalidate_seq {Arg(inval, "mmu_invalidate_seq")}"
                + (snapshot is { } s2 && m.From < s2 ? " (still in progress when the fault took its snapshot)" : " (after the fault's snapshot)"));
            var covered = trace.MissedFlows.Contains(m) ? "although that invalidation covered its gfn (the fixed kernel retries here)"
                : "while that invalidation was in progress";
            lines.Add($"delivery {check.Start}: {check.Track}: under mmu_lock, mmu_invalidate_retry compared the snapshot {Arg(check, "mmu_seq")} with mmu_invalidate_seq "
                + $"{Arg(check, "mmu_invalidate_seq")} and mmu_invalidate_in_progress {Arg(check, "mmu_invalidate_in_progress")}: it let the fault go on, {covered}");
            if (FirstAfter(events, m.To, v.AfterEvent, e => e.Activity == fault && e.Phase == Map) is { } map)
                lines.Add($"delivery {events[map].Start}: {events[map].Track}: kvm_pgtable_stage2_map mapped ipa {Arg(events[map], "ipa")} -> {Arg(events[map], "pfn")} "
                    + $"({Arg(events[map], "size")}, {Arg(events[map], "prot")})");
        }
        else
        {
            lines.Add("no invalidation was missed by a fault's retry check; the phases just before the violation:");
            for (var i = Math.Max(0, v.AfterEvent - 3); i <= v.AfterEvent; i++)
            {
                var e = events[i];
                var args = e.Args is { } a ? " " + string.Join(", ", a.Select(kv => $"{kv.Key} {kv.Value}")) : "";
                lines.Add($"delivery {e.Start}: {e.Track} (activity {e.Activity}) {e.Phase}:{args}");
            }
        }
        lines.Add($"delivery {v.At}: the oracle reports {v.Kind}{(v.Subject is null ? "" : $" ({v.Subject})")}: {v.Detail}");
        return lines;
    }

    private static string Arg(PhaseEvent e, string key) =>
        e.Args?.FirstOrDefault(kv => kv.Key == key).Value ?? "?";

    private static int? LastBefore(IReadOnlyList<PhaseEvent> events, int before, Func<PhaseEvent, bool> match)
    {
        for (var i = before - 1; i >= 0; i--) if (match(events[i])) return i;
        return null;
    }

    private static int? FirstAfter(IReadOnlyList<PhaseEvent> events, int after, int last, Func<PhaseEvent, bool> match)
    {
        for (var i = after + 1; i <= last && i < events.Count; i++) if (match(events[i])) return i;
        return null;
    }
}
