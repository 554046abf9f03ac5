using System.CommandLine;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>The options of <c>run</c> (also taken by the default verb), per cli.md: the workload's (<see cref="WorkloadArgs"/>) and run's own.</summary>
internal sealed class RunOptions
{
    /// <summary>The workload knobs, with <c>run</c>'s defaults (<see cref="RunDefaults"/>).</summary>
    public WorkloadArgs Workload { get; } = new(WorkloadVerb.Run);

    public Option<TimeSpan> Duration { get; } = CliParsers.Duration("--duration", "Wall-clock length of a free-running run, e.g. 10s", () => RunDefaults.Embedded.Duration);
    public Option<bool> Record { get; } = new("--record") { Description = "Record the free-running delivery order; on a violation save it for replay --schedule (default: actorkvm.run.record = auto, on up to 4 vCPUs)" };
    public Option<string> ScheduleDir { get; } = new("--schedule-dir") { Description = "Where a recorded schedule is saved on a violation", DefaultValueFactory = _ => ".", HelpName = "DIR" };
    public Option<string?> Trace { get; } = new("--trace") { Description = "Write a Chrome trace-event JSON file (Perfetto): one track per actor, one slice per phase", HelpName = "FILE" };

    /// <summary>The options a scenario (which describes its own VM and steps) refuses.</summary>
    public IEnumerable<Option> NotWithAScenario => Workload.Shape.Concat([Duration, Record, ScheduleDir]);

    public void AddTo(Command command)
    {
        foreach (var o in Workload.Taken) command.Add(o);
        foreach (Option o in new Option[] { Duration, Trace, Record, ScheduleDir }) command.Add(o);
    }
}
