using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;

namespace ActorKvm.Tests.Exploration;

/// <summary>
/// Hunting on the deterministic dispatcher: an unscripted race workload finds a bug switch's violation, the
/// shrunk schedule replays to it, and with every switch off the same exploration finds nothing.
/// </summary>
public class HunterTests
{
    private static HuntOptions Options(HuntStrategy strategy, long schedules) =>
        new(HuntOptions.RaceMix, strategy, Depth: 3, Seed: 1, MaxSchedules: schedules, MaxTime: TimeSpan.MaxValue);

    [Fact]
    public void RetryIgnoresInProgress_IsFoundFromTheRaceWorkload_AndItsShrunkScheduleReplaysToTheSameViolation()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var bugs = new BugSet([RetryIgnoresInProgress.Name]);
        var hit = Hunter.Hunt(det, Options(HuntStrategy.Random, 500), bugs);

        Assert.NotNull(hit.Found);
        Assert.True(hit.Minimized!.Length <= hit.ScheduleLength);
        var replay = StressRun.RunDeterministic(det, hit.Workload!, new ReplayStrategy(hit.Minimized), bugs);
        Assert.Contains(replay.Violations, v => v.Kind == hit.Found!.Kind);
        // The fixed kernel, on the very same schedule: no violation.
        var fixedRun = StressRun.RunDeterministic(det, hit.Workload!, new ReplayStrategy(hit.Minimized), BugSet.None);
        Assert.Empty(fixedRun.Violations);
    }

    [Theory]
    [InlineData(HuntStrategy.Random)]
    [InlineData(HuntStrategy.Pct)]
    public void WithNoSwitchOn_AShortHuntFindsNothing(HuntStrategy strategy)
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = Hunter.Hunt(det, Options(strategy, 60), BugSet.None);
        Assert.Null(r.Found);
        Assert.Equal(60, r.SchedulesTried);
    }

    [Fact]
    public void Pct_SameSeedGivesTheSameSchedule_OtherSeedsDiffer()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        int[] Choices(ulong seed) => RaceWorkload.Run(det, new PctStrategy(seed, depth: 3, expectedChoices: 16)).Choices;
        Assert.Equal(Choices(4), Choices(4));
        Assert.True(Enumerable.Range(0, 20).Select(s => string.Join(',', Choices((ulong)s))).Distinct().Count() > 1);
    }
}
