using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;

namespace ActorKvm.Tests.Exploration;

/// <summary>
/// Shrinking keeps the bug: for every modelled switch a short hunt finds, the minimized schedule's replay reaches as
/// its first problem the very violation the hunt printed — the same kind and the same subject (kind + address), not
/// another violation of that kind elsewhere.
/// </summary>
public class ShrinkKeepsTheViolationTests
{
    [Fact]
    public void EverySwitchAHuntFinds_ItsMinimizedScheduleReplaysToTheViolationTheHuntPrinted()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var found = 0;
        var wrong = new List<string>();
        foreach (var bug in BugCatalog.All.Where(b => b.Modelled && b.Unreachable is null))
        {
            var bugs = new BugSet([bug.Name]);
            var hit = Hunter.Hunt(det, new HuntOptions(HuntOptions.RaceMix, HuntStrategy.Random, 3, 1, 60, TimeSpan.MaxValue), bugs);
            if (hit.Found is null) continue;
            found++;
            var replay = StressRun.RunDeterministic(det, hit.Workload!, new ReplayStrategy(hit.Minimized!), bugs, maxDeliveries: Hunter.DeliveryBound(hit.Workload!));
            var first = Hunter.FirstProblem(replay);
            if (first is null || !Hunter.SameViolation(first, hit.Found))
                wrong.Add($"{bug.Name}: hunt printed {hit.Found} [{hit.Found.Subject}], minimized replay reached {first?.ToString() ?? "nothing"} [{first?.Subject}]");
        }
        Assert.True(found >= 10, $"only {found} switches found in 60 schedules each: the test would prove little");
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
