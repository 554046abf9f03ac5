using System.CommandLine;
using ActorKvm.Cluster.Hosting;
using ActorKvm.Cluster.Working;
using ActorKvm.Engine;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>worker --seed-node ADDR</c>: joins a cluster hunt (<c>hunt --cluster</c>) and runs seed ranges on every core until
/// the hunt is over. Hunt options given here must agree with the hunt's, or the coordinator refuses the worker.
/// Exit 0 when the hunt ends; 1 when the coordinator's node left first (or this node was downed); 2 bad input or refused.
/// </summary>
internal static class WorkerVerb
{
    private sealed class Observer(TextWriter human, bool quiet) : IWorkerObserver
    {
        public readonly TaskCompletionSource<(WorkerEnd End, string Line)> Outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _explored;

        public long Schedules => Interlocked.Read(ref _explored);

        public void Event(string line)
        {
            if (!quiet) lock (human) human.WriteLine($"actorkvm worker: {line}");
        }

        public void Explored(long schedules) => Interlocked.Add(ref _explored, schedules);

        public void RangeStarted(int lane, int hunt, long first, long count) => Event($"lane {lane}: schedules [{first}, {first + count}) of target {hunt}");

        public void Ended(WorkerEnd end, string line) => Outcome.TrySetResult((end, line));
    }

    public static Command Create(CommonOptions common, CliIo io)
    {
        var args = new HuntArgs();
        var cluster = new ClusterArgs();
        var command = new Command("worker", "Join a cluster hunt (hunt --cluster) as a worker") { cluster.SeedNode, cluster.Port };
        foreach (var o in args.Exploration) command.Add(o);
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            var start = cluster.ReadWorker(r, config);
            var given = args.Given(r, args.Read(r, "."));
            var human = io.Human(json);
            var observer = new Observer(human, quiet);
            var engine = EngineConfig.Load(config);
            var lanes = start.Settings.LanesHere;
            ClusterNode node;
            try
            {
                node = ClusterNode.StartWorker(start.Settings, engine, start.Port, start.Seeds, lanes, given, observer);
            }
            catch (Exception e) when (e.GetBaseException() is System.Net.Sockets.SocketException or Akka.Remote.RemoteTransportException)
            {
                throw new CliUserError($"--port: cannot listen on {start.Settings.Hostname}:{start.Port}: {e.GetBaseException().Message}");
            }
            using (node)
            {
                if (!quiet) human.WriteLine($"actorkvm worker: node {node.Address}, {lanes} lanes, build {BuildId.Current}; joining {string.Join(", ", start.Seeds)}");
                var started = DateTime.UtcNow;
                var last = 0L;
                while (!observer.Outcome.Task.Wait(TimeSpan.FromSeconds(2)))
                {
                    if (quiet) continue;
                    var now = observer.Schedules;
                    lock (human) human.WriteLine($"actorkvm worker: [{(DateTime.UtcNow - started).TotalSeconds:F0}s] {now} schedules explored here, {(now - last) / 2.0:F0}/s");
                    last = now;
                }
                var (end, line) = observer.Outcome.Task.Result;
                if (json) WriteJson(io.Out, node.Address.ToString(), lanes, observer.Schedules, end, line);
                switch (end)
                {
                    case WorkerEnd.Finished:
                        human.WriteLine($"actorkvm worker: {line}; {observer.Schedules} schedules explored here");
                        return ExitCodes.Ok;
                    case WorkerEnd.Refused:
                        throw new CliUserError(line);
                    default:
                        human.WriteLine($"actorkvm worker: {line}; {observer.Schedules} schedules explored here");
                        return ExitCodes.Failed;
                }
            }
        });
        return command;
    }

    /// <summary>The <c>worker --json</c> object: the node, its lanes, the schedules it explored and how it ended.</summary>
    internal static void WriteJson(TextWriter to, string node, int lanes, long schedules, WorkerEnd end, string detail) =>
        JsonOut.Write(to, new Output.Json.WorkerSummary(node, lanes, schedules, end.ToString().ToLowerInvariant(), detail), Output.Json.SummaryJson.Default.WorkerSummary);
}
