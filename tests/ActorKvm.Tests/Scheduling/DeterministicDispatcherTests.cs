using System.Security.Cryptography;
using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Stress.Output;
using ActorKvm.Engine.Workload;

namespace ActorKvm.Tests.Scheduling;

/// <summary>
/// The seeded deterministic dispatcher: the same seed gives the same trace byte for byte (on a fresh actor
/// system or one that already ran other schedules), different seeds give different interleavings, and a
/// recorded choice sequence replays the run exactly.
/// </summary>
public class DeterministicDispatcherTests
{
    private static readonly WorkloadOptions Small = new(Vcpus: 3, Memory: 12UL << 20, InvalidateEvery: 4, Seed: 5, MaxFaults: 400);

    private static (string Hash, StressResult Result) Run(DeterministicSystem det, ISchedulingStrategy strategy, WorkloadOptions? options = null)
    {
        var r = StressRun.RunDeterministic(det, options ?? Small, strategy, trace: true);
        using var buffer = new MemoryStream();
        ChromeTrace.Write(buffer, r.Trace!);
        return (Convert.ToHexString(SHA256.HashData(buffer.ToArray())), r);
    }

    [Fact]
    public void SameSeed_OnFreshSystems_GivesByteIdenticalTraces()
    {
        using var first = new DeterministicSystem(EngineConfig.Load());
        using var second = new DeterministicSystem(EngineConfig.Load());
        var a = Run(first, new SeededStrategy(42));
        var b = Run(second, new SeededStrategy(42));

        Assert.Equal(a.Hash, b.Hash);
        Assert.Equal(a.Result.Schedule!.Choices, b.Result.Schedule!.Choices);
        Assert.True(a.Result.Schedule.Choices.Length > 100, $"only {a.Result.Schedule.Choices.Length} choice points: the run did not interleave");
        Assert.Equal(0, a.Result.Schedule.ForeignArrivals);
    }

    [Fact]
    public void DifferentSeeds_GiveDifferentTraces()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var hashes = new[] { 1UL, 2UL, 3UL }.Select(s => Run(det, new SeededStrategy(s)).Hash).ToList();
        Assert.Equal(3, hashes.Distinct().Count());
    }

    [Fact]
    public void EarlierRunsOnTheSameSystem_DoNotChangeARunsTrace()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var first = Run(det, new SeededStrategy(9)).Hash;
        Run(det, new SeededStrategy(10));
        Assert.Equal(first, Run(det, new SeededStrategy(9)).Hash);
    }

    [Fact]
    public void RecordedChoices_ReplayToTheSameTrace()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var original = Run(det, new SeededStrategy(77));
        var replay = new ReplayStrategy(original.Result.Schedule!.Choices);
        var again = Run(det, replay);

        Assert.False(replay.Diverged);
        Assert.Equal(original.Result.Schedule.Choices.Length, replay.Consumed);
        Assert.Equal(original.Hash, again.Hash);
    }

    [Fact]
    public void SeededRun_KeepsEveryInvariant()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = StressRun.RunDeterministic(det, Small with { Vcpus = 8, MaxFaults = 3_000 }, new SeededStrategy(123));

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.OutstandingFaultRefs);
        Assert.True(r.Stats.Faults >= 3_000);
        Assert.True(r.Stats.HostOps > 0 && r.Stats.MemslotOps > 0);
    }

    [Fact]
    public void DeliveryBound_StopsTheRunAndMarksItTruncated_TheSystemStaysUsable()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var cut = StressRun.RunDeterministic(det, Small, new SeededStrategy(5), maxDeliveries: 200);
        Assert.True(cut.Schedule!.Truncated);

        var whole = StressRun.RunDeterministic(det, Small, new SeededStrategy(5));
        Assert.False(whole.Schedule!.Truncated);
        Assert.True(cut.Schedule.Deliveries < whole.Schedule.Deliveries);
        Assert.Empty(whole.Violations);
    }

    [Fact]
    public void Trace_LinksEachRetryToTheInvalidationThatCausedIt()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = StressRun.RunDeterministic(det, Small with { InvalidateEvery = 1 }, new SeededStrategy(8), trace: true);
        var t = r.Trace!;

        Assert.NotEmpty(t.Flows);
        Assert.All(t.Flows, f =>
        {
            var (from, to) = (t.Events[f.From], t.Events[f.To]);
            Assert.Contains(from.Phase, new[] { "range-start", "range-end" });
            Assert.Equal(("GuestAccess", "complete"), (to.Kind, to.Phase));
            Assert.True(f.From < f.To);
        });
        // Every retry after a real invalidation is linked (retries with no invalidation since the snapshot are not).
        Assert.True(t.Flows.Count <= r.Stats.ByResult.GetValueOrDefault(ActorKvm.Model.Fault.FaultResult.Retry));
    }

    [Fact]
    public void ScheduleLogText_RoundTrips()
    {
        var log = new ScheduleLog();
        foreach (var c in new[] { 0, 3, 1, 12 }) log.Add(c);
        Assert.True(ActorKvm.Stress.Schedules.LegacySchedules.TryParseChoices(log.ToString(), out var parsed));
        Assert.Equal(log.ToArray(), parsed);
        Assert.False(ActorKvm.Stress.Schedules.LegacySchedules.TryParseChoices("1,x", out _));
    }
}
