using System.Collections.Concurrent;
using ActorKvm.Cluster.Coordination;
using ActorKvm.Cluster.Hosting;
using ActorKvm.Cluster.Protocol;
using ActorKvm.Cluster.Working;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using Akka.Configuration;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>hunt --cluster</c>: starts the coordinating node (the coordinator singleton and lanes of its own), prints how
/// workers join, shows nodes and rates live, and reports like the single-machine hunt — the found schedule written
/// here, the replay command — plus per-node figures. Exit codes as <c>hunt</c>.
/// </summary>
internal static class ClusterHunt
{
    private sealed class Observer(TextWriter human, bool quiet) : IHuntObserver, IWorkerObserver
    {
        public readonly ConcurrentQueue<(int Hunt, HuntResult Result, TargetFigures Figures)> Done = new();
        public readonly TaskCompletionSource<IReadOnlyList<NodeFigures>> Finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<string> LocalEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly DateTime _start = DateTime.UtcNow;

        public void Progress(HuntProgress p)
        {
            if (quiet) return;
            var nodes = string.Join(", ", p.Nodes.Select(n => $"{n.Node.Split('@').Last()} {n.RecentRate:F0}/s ({n.Lanes} lanes){(n.Lost is null ? "" : " lost")}"));
            var total = p.Nodes.Where(n => n.Lost is null).Sum(n => n.RecentRate);
            lock (human)
                human.WriteLine($"[{(DateTime.UtcNow - _start).TotalSeconds:F0}s] {p.Target}: {p.Explored} schedules, {p.Outstanding} range(s) out | "
                    + $"{p.Nodes.Count(n => n.Lost is null)} node(s): {nodes} | total {total:F0}/s{(p.Found.Count > 0 ? $" | found: {string.Join(", ", p.Found)}" : "")}");
        }

        public void Event(string line)
        {
            if (quiet) return;
            lock (human) human.WriteLine($"cluster: {line}");
        }

        public void TargetDone(int hunt, HuntResult result, TargetFigures figures) => Done.Enqueue((hunt, result, figures));

        void IHuntObserver.Finished(IReadOnlyList<NodeFigures> nodes) => Finished.TrySetResult(nodes);

        public void Explored(long schedules)
        {
        }

        public void RangeStarted(int lane, int hunt, long first, long count)
        {
        }

        public void Ended(WorkerEnd end, string line)
        {
            if (end != WorkerEnd.Finished) LocalEnded.TrySetResult(line);
        }
    }

    public static int Run(HuntPlan plan, ClusterStart start, Config engine, bool json, bool quiet, CliIo io)
    {
        var human = io.Human(json);
        var spec = HuntSpec.From(plan.Options, plan.Targets.Select(t => (IReadOnlyList<string>)t).ToList(), HuntArgs.Canonical(plan));
        var observer = new Observer(human, quiet);
        ClusterNode node;
        try
        {
            node = ClusterNode.StartCoordinator(start.Settings, engine, start.Port, start.Seeds, spec, start.Settings.LanesHere, observer, observer);
        }
        catch (Exception e) when (e.GetBaseException() is System.Net.Sockets.SocketException or Akka.Remote.RemoteTransportException)
        {
            throw new CliUserError($"--port: cannot listen on {start.Settings.Hostname}:{start.Port}: {e.GetBaseException().Message}");
        }
        using (node)
        {
            if (!quiet) human.WriteLine($"cluster: coordinating at {node.Address} ({start.Settings.LanesHere} lanes here, build {BuildId.Current}); join with: actorkvm worker --seed-node {node.HostPort}");
            using var cancelled = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancelled.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                var which = Task.WaitAny([observer.Finished.Task, observer.LocalEnded.Task, Task.Delay(Timeout.Infinite, cancelled.Token)]);
                if (which == 1) human.WriteLine($"actorkvm hunt: this node's lanes stopped: {observer.LocalEnded.Task.Result}");
                if (which == 2) human.WriteLine("actorkvm hunt: interrupted; the targets finished so far:");
            }
            catch (AggregateException)
            {
                // the cancellation's delay task: handled above
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            var rows = new List<(string Bug, HuntResult Result)>();
            var saved = true;
            var figures = new List<TargetFigures>();
            foreach (var (hunt, result, f) in observer.Done.OrderBy(x => x.Hunt))
            {
                var t = plan.Targets[hunt];
                rows.Add((HuntVerb.Label(t), result));
                figures.Add(f);
                if (!plan.AllBugs) saved &= HuntVerb.WriteOne(io, human, HuntVerb.Label(t), t, result, plan.Options.Workload, plan.ScheduleDir);
                else if (result.Found is not null) saved &= HuntVerb.SaveSchedule(io, plan.ScheduleDir, t, result, plan.Options.Workload).Saved;
            }
            var nodes = observer.Finished.Task.IsCompletedSuccessfully ? observer.Finished.Task.Result : [];
            if (plan.AllBugs) HuntReport.WriteTable(human, rows);
            WriteNodes(human, nodes, figures);
            if (json) HuntReport.WriteJson(io.Out, rows, plan.Options, (nodes, figures));
            if (cancelled.IsCancellationRequested) return ExitCodes.Interrupted;
            if (!saved) return ExitCodes.BadInput;
            return observer.Finished.Task.IsCompletedSuccessfully ? HuntVerb.ExitCode(rows, plan.AllBugs) : ExitCodes.Failed;
        }
    }

    private static void WriteNodes(TextWriter human, IReadOnlyList<NodeFigures> nodes, IReadOnlyList<TargetFigures> figures)
    {
        foreach (var n in nodes)
            human.WriteLine($"node {n.Node}: {n.Schedules} schedules in {n.Ranges} ranges, {n.Lanes} lanes, {(n.LaneSeconds > 0 ? n.Schedules / n.LaneSeconds : 0):F1} schedules/s per lane{(n.Lost is null ? "" : $"; {n.Lost}")}");
        if (figures.Count > 0)
            human.WriteLine($"ranges: {figures.Sum(f => f.Issued)} issued, {figures.Sum(f => f.Reissued)} re-issued, {figures.Sum(f => f.Duplicates)} duplicate schedules dropped");
    }
}
