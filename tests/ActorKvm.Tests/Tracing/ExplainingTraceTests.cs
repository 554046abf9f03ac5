using System.Text.Json;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Stress.Output;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;

namespace ActorKvm.Tests.Tracing;

/// <summary>
/// A trace of a found race explains it: phase slices carry the kernel facts, the violation is an instant event, and a
/// flow arrow leads from the invalidation the buggy fault missed to that fault's retry check; the fixed kernel, on the
/// very same schedule, has neither. The JSON follows the trace-event format.
/// </summary>
public class ExplainingTraceTests
{
    private static (StressResult Buggy, StressResult Fixed, Violation Found) FoundRace()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var bugs = new BugSet([RetryIgnoresInProgress.Name]);
        var hit = Hunter.Hunt(det, new HuntOptions(HuntOptions.RaceMix, HuntStrategy.Random, 3, 1, 500, TimeSpan.MaxValue), bugs);
        Assert.NotNull(hit.Found);
        var buggy = StressRun.RunDeterministic(det, hit.Workload!, new ReplayStrategy(hit.Minimized!), bugs, trace: true);
        var fixedRun = StressRun.RunDeterministic(det, hit.Workload!, new ReplayStrategy(hit.Minimized!), BugSet.None, trace: true);
        // The violation the replay reaches first (the hunt's shrink keeps its kind and subject).
        return (buggy, fixedRun, buggy.Violations[0]);
    }

    private static List<JsonElement> Events(TraceRecorder trace)
    {
        var buffer = new MemoryStream();
        ChromeTrace.Write(buffer, trace);
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.GetProperty("traceEvents").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [Fact]
    public void AFoundRace_ShowsTheMissedInvalidationAsAnArrow_AndTheViolationAsAnInstantEvent_TheFixedKernelNeither()
    {
        var (buggy, fixedRun, found) = FoundRace();
        var events = Events(buggy.Trace!);
        AssertTraceEventFormat(events);
        var tracks = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
            .ToDictionary(e => e.GetProperty("tid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString()!);
        var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();

        var instants = events.Where(e => e.GetProperty("ph").GetString() == "i").Select(e => e.GetProperty("name").GetString() + ": " + e.GetProperty("args").GetProperty("detail").GetString()).ToList();
        Assert.True(instants.Count > 0 && instants.Contains(found.Kind.Name() + ": " + found.Detail), $"found {found}; instants: {string.Join(" | ", instants.Take(5))}; violations: {string.Join(" | ", buggy.Violations.Take(5))}");
        var instant = Assert.Single(events, e => e.GetProperty("ph").GetString() == "i" && e.GetProperty("name").GetString() == found.Kind.Name()
            && e.GetProperty("args").GetProperty("detail").GetString() == found.Detail);
        Assert.Equal(ChromeTrace.ViolationCategory, instant.GetProperty("cat").GetString());

        var missed = events.Where(e => e.TryGetProperty("cat", out var c) && c.GetString() == ChromeTrace.MissedCategory).ToList();
        Assert.NotEmpty(missed);
        foreach (var pair in missed.GroupBy(e => e.GetProperty("id").GetInt32()))
        {
            var from = Assert.Single(pair, e => e.GetProperty("ph").GetString() == "s");
            var to = Assert.Single(pair, e => e.GetProperty("ph").GetString() == "f");
            Assert.Equal("mmu-notifier", tracks[from.GetProperty("tid").GetInt32()]);
            Assert.StartsWith("vcpu-", tracks[to.GetProperty("tid").GetInt32()]);
            Assert.Contains(slices, s => SameSlot(s, from) && s.GetProperty("name").GetString() is "range-start" or "range-end");
            var check = Assert.Single(slices, s => SameSlot(s, to) && s.GetProperty("name").GetString() == "retry-check");
            // The facts show why the check let it pass: an invalidation in progress, which this bug ignores.
            Assert.NotEqual("0", check.GetProperty("args").GetProperty("mmu_invalidate_in_progress").GetString());
            Assert.Equal(check.GetProperty("args").GetProperty("mmu_seq").GetString(), check.GetProperty("args").GetProperty("mmu_invalidate_seq").GetString());
        }

        var fixedEvents = Events(fixedRun.Trace!);
        Assert.DoesNotContain(fixedEvents, e => e.GetProperty("ph").GetString() == "i");
        Assert.DoesNotContain(fixedEvents, e => e.TryGetProperty("cat", out var c) && c.GetString() == ChromeTrace.MissedCategory);
        // The fixed kernel's retries are still linked to the invalidations that caused them, with their reason.
        Assert.Contains(fixedEvents, e => e.GetProperty("ph").GetString() == "X" && e.GetProperty("args").TryGetProperty("retry_reason", out _));
    }

    [Fact]
    public void Explain_TellsTheRaceInAFewLinesOfKernelTerms()
    {
        var (buggy, fixedRun, found) = FoundRace();
        var story = RaceStory.Tell(buggy.Trace!);
        Assert.InRange(story.Count, 3, 6);
        var text = string.Join('\n', story);
        Assert.Contains("snapshotted mmu_seq", text);
        Assert.Contains("kvm_mmu_notifier_invalidate_range_", text);
        Assert.Contains("mmu_invalidate_retry compared", text);
        Assert.Contains($"the oracle reports {found.Kind.Name()}", story[^1]);
        Assert.Equal(["no violation in this run: nothing to explain"], RaceStory.Tell(fixedRun.Trace!));
    }

    private static bool SameSlot(JsonElement slice, JsonElement flow) =>
        slice.GetProperty("tid").GetInt32() == flow.GetProperty("tid").GetInt32() && slice.GetProperty("ts").GetInt64() == flow.GetProperty("ts").GetInt64();

    /// <summary>The Trace Event Format's required fields per phase type (X complete, M metadata, s/f flow, i instant).</summary>
    private static void AssertTraceEventFormat(List<JsonElement> events)
    {
        foreach (var e in events)
        {
            var ph = e.GetProperty("ph").GetString();
            Assert.Contains(ph, new[] { "X", "M", "s", "f", "i" });
            Assert.True(e.TryGetProperty("name", out _) && e.TryGetProperty("pid", out _) && e.TryGetProperty("tid", out _), e.ToString());
            if (ph != "M") Assert.True(e.GetProperty("ts").GetInt64() >= 0);
            if (ph == "X") Assert.True(e.GetProperty("dur").GetInt64() >= 1);
            if (ph is "s" or "f") Assert.True(e.TryGetProperty("id", out _) && e.TryGetProperty("cat", out _));
            if (ph == "f") Assert.Equal("e", e.GetProperty("bp").GetString());
            if (ph == "i") Assert.Contains(e.GetProperty("s").GetString(), new[] { "t", "p", "g" });
            if (e.TryGetProperty("args", out var args)) Assert.Equal(JsonValueKind.Object, args.ValueKind);
        }
    }
}
