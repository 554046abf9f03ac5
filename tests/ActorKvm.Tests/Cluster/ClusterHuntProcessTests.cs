using System.Text.Json;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;

namespace ActorKvm.Tests.Cluster;

/// <summary>
/// Three <c>actorkvm</c> processes on 127.0.0.1: <c>hunt --cluster</c> (one lane) and two workers, one of them
/// SIGKILLed right after it took a long range (and, first, a worker with other options, refused). The hunt's budget ends at the schedule the single-machine
/// hunt finds the bug in, so every schedule of the budget must be explored — each counted once, the killed worker's
/// range re-issued — and the found schedule must be the single-machine hunt's and replay to the same violation.
/// Ordered by the processes' own lines, bounded by a schedule count; ports are chosen by the OS. One deadline bounds the
/// whole test: every wait takes what is left of it, and every process is killed when the test ends, pass or fail.
/// </summary>
public class ClusterHuntProcessTests
{
    private const string Bug = DirtyMarkedBeforeMapSuccess.Name;
    private const ulong Seed = 1;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);

    [Fact]
    public void KilledWorker_ItsRangeIsReissued_EveryScheduleExploredOnce_AndTheFoundScheduleReplays()
    {
        // The single-machine hunt's answer: the first failing schedule from the seed.
        var options = new HuntOptions(HuntOptions.RaceMix, HuntStrategy.Random, 3, Seed, 400, TimeSpan.MaxValue);
        HuntResult single;
        using (var det = new DeterministicSystem(EngineConfig.Load())) single = Hunter.Hunt(det, options, new BugSet([Bug]), shrink: false);
        Assert.NotNull(single.Found);
        var budget = single.SchedulesTried; // the failing schedule is the budget's last
        var deadline = DateTime.UtcNow + Patience;
        TimeSpan Left() => deadline - DateTime.UtcNow;

        var dir = Directory.CreateTempSubdirectory("actorkvm-cluster-").FullName;
        var common = Write(dir, "node.hocon", "actorkvm.cluster { lanes = 1, wait-for-nodes = 3 }");
        var longRanges = Write(dir, "victim.hocon", "actorkvm.cluster { lanes = 1, range-seconds = 600 }");
        using var hunt = new NodeProcess(dir, "hunt", "--cluster", "--port", "0", "--bug", Bug, "--seed", $"{Seed}", "--budget", $"{budget}",
            "--json", "--schedule-dir", dir, "--config", common);
        var join = hunt.WaitForLine(l => l.Contains("join with: actorkvm worker --seed-node ", StringComparison.Ordinal), Left());
        var seedNode = join[(join.LastIndexOf(' ') + 1)..];

        // A worker asking for other options is refused in one line.
        using (var other = new NodeProcess(dir, "worker", "--seed-node", seedNode, "--config", common, "--strategy", "pct"))
        {
            Assert.True(other.WaitForExit(Left()) == 2, other.Stdout + other.Stderr);
            Assert.Matches(@"^actorkvm: error: the hunt at \S+ refused this worker: different options \(--strategy pct on the worker, random in the hunt\)$",
                other.Stderr.Split('\n').Last(l => l.Length > 0));
        }

        // The hunt starts when three nodes are in. The victim's first range is small (no rate yet); its second is sized
        // for 600 s: much of the rest of the budget. It is killed there.
        using var survivor = new NodeProcess(dir, "worker", "--seed-node", seedNode, "--config", common);
        using (var victim = new NodeProcess(dir, "worker", "--seed-node", seedNode, "--config", longRanges, "--bug", Bug))
        {
            victim.WaitForLine(l => l.Contains("lane 0: schedules [", StringComparison.Ordinal), Left(), occurrence: 2);
            victim.Kill();
        }
        var huntExit = hunt.WaitForExit(Left());
        var survivorExit = survivor.WaitForExit(Left());
        Assert.True(huntExit == 0 && survivorExit == 0, $"hunt exit {huntExit}, surviving worker exit {survivorExit}\nhunt:\n{hunt.Stderr}\nsurviving worker:\n{survivor.Stdout}\n{survivor.Stderr}");

        using var json = JsonDocument.Parse(hunt.Stdout);
        var root = json.RootElement;
        var h = root.GetProperty("hunts")[0];
        Assert.True(h.GetProperty("found").GetBoolean(), hunt.Stderr);
        Assert.Equal(single.Seed, h.GetProperty("seed").GetUInt64());
        Assert.Equal(single.Found!.Kind.Name(), h.GetProperty("violation").GetString());
        Assert.Equal(budget, h.GetProperty("schedules").GetInt64());
        var ranges = root.GetProperty("ranges")[0];
        var explored = ranges.GetProperty("explored").EnumerateArray().Select(r => (r[0].GetInt64(), r[1].GetInt64())).ToList();
        Assert.Equal([(0L, budget)], explored); // every schedule of the budget, counted once
        Assert.True(ranges.GetProperty("reissued").GetInt64() >= 1, hunt.Stderr);
        Assert.Contains(root.GetProperty("nodes").EnumerateArray(), n => n.TryGetProperty("lost", out _));
        Assert.Equal(3, root.GetProperty("nodes").GetArrayLength());

        // The replay the hunt printed, run here: the same violation from the saved schedule.
        var replayLine = hunt.WaitForLine(l => l.TrimStart().StartsWith("replay: actorkvm replay ", StringComparison.Ordinal), Left());
        var replayArgs = replayLine.Trim()["replay: actorkvm ".Length..].Split(' ');
        var output = new StringWriter();
        var code = Stress.Program.Run(replayArgs, output, new StringWriter());
        Assert.Equal(1, code);
        Assert.Contains($"first: {single.Found.Kind.Name()}", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerWhoseSeedNodeNeverAnswers_GivesUpAfterTheJoinTimeout_InOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("actorkvm-cluster-").FullName;
        var config = Write(dir, "node.hocon", "actorkvm.cluster { lanes = 1, join-timeout = 2s }");
        int port; // a port nobody listens on: the OS's pick, released again
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }
        using var worker = new NodeProcess(dir, "worker", "--seed-node", $"127.0.0.1:{port}", "--config", config);
        Assert.Equal(1, worker.WaitForExit(Patience));
        Assert.Contains("no hunt took this worker in within 2 s", worker.Stderr + worker.Stdout, StringComparison.Ordinal);
    }

    private static string Write(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
