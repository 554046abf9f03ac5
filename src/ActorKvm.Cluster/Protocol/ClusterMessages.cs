using ActorKvm.Model.Oracle;

namespace ActorKvm.Cluster.Protocol;

/// <summary>
/// Every message that crosses between cluster nodes. The interface is bound to <see cref="ClusterJsonSerializer"/> in
/// <c>cluster-wiring.hocon</c>, so none of them falls back to Akka's default serializer.
/// </summary>
public interface IClusterMessage;

/// <summary>A worker node asks to join the hunt (to the coordinator singleton, through its proxy).</summary>
/// <param name="Node">The worker node's address.</param>
/// <param name="Build">The worker's <see cref="Hosting.BuildId"/>: the model and engine it explores with.</param>
/// <param name="Lanes">Schedules it runs in parallel.</param>
/// <param name="Options">The hunt options the worker was started with (canonical text; empty: whatever the hunt says).</param>
public sealed record WorkerJoining(string Node, string Build, int Lanes, IReadOnlyDictionary<string, string> Options) : IClusterMessage;

/// <summary>The coordinator takes the worker; its lanes may ask for ranges of <paramref name="Spec"/>.</summary>
public sealed record WorkerAccepted(HuntSpec Spec) : IClusterMessage;

/// <summary>The coordinator refuses the worker (another build, other options), said in one line.</summary>
public sealed record WorkerRefused(string Reason) : IClusterMessage;

/// <summary>A worker lane is free and asks for a seed range.</summary>
/// <param name="Wanted">Schedules it expects to run in about a range's time (from its last range's rate).</param>
public sealed record RangeRequested(long Wanted) : IClusterMessage;

/// <summary>Schedules [<paramref name="First"/>, <paramref name="First"/> + <paramref name="Count"/>) of target <paramref name="Hunt"/>.</summary>
public sealed record RangeIssued(int Hunt, long First, long Count) : IClusterMessage;

/// <summary>Stop the running range of target <paramref name="Hunt"/> if it runs past <paramref name="Limit"/> (a lower schedule found the bug).</summary>
public sealed record RangeCancelled(int Hunt, long Limit) : IClusterMessage;

/// <summary>The hunt is over; workers leave. <paramref name="Summary"/> is one line for their display.</summary>
public sealed record HuntFinished(string Summary) : IClusterMessage;

/// <summary>An oracle violation as data (<see cref="Violation"/>).</summary>
public sealed record ViolationData(string Kind, string Detail, string? Context, string? Finding)
{
    /// <summary>The data of <paramref name="v"/>.</summary>
    public static ViolationData Of(Violation v) => new(v.Kind.ToString(), v.Detail, v.Context, v.Finding);

    /// <summary>The violation again.</summary>
    public Violation ToViolation() => new(Enum.Parse<ViolationKind>(Kind), Detail, Context, Finding);
}

/// <summary>The schedule a lane found a violation in, shrunk by the finder as the single-machine hunt does.</summary>
/// <param name="Index">The schedule's index in the hunt (its seed is the first seed plus this).</param>
/// <param name="Violation">The first violation.</param>
/// <param name="ScheduleLength">Choice points of the failing schedule.</param>
/// <param name="Minimized">The shrunk choice sequence (the schedule file's content).</param>
/// <param name="ShrinkSeconds">Time the finder spent shrinking.</param>
public sealed record FoundSchedule(long Index, ViolationData Violation, int ScheduleLength, int[] Minimized, double ShrinkSeconds);

/// <summary>A lane ran (part of) a range: the schedules explored from <paramref name="First"/> and what they showed.</summary>
/// <param name="Hunt">The target the range belongs to.</param>
/// <param name="First">The range's first schedule.</param>
/// <param name="Explored">Schedules run from <paramref name="First"/> on (fewer than issued when one found a violation or the range was cancelled).</param>
/// <param name="Seconds">Wall-clock time of the range, shrinking excluded.</param>
/// <param name="Abandoned">Schedules stopped at their delivery bound.</param>
/// <param name="FindingSchedules">Schedules with an upstream finding.</param>
/// <param name="FirstFinding">The first upstream finding, or null.</param>
/// <param name="Coverage">The range's interleaving coverage (<see cref="Model.Vm.PhaseCoverage.ToCounts"/>).</param>
/// <param name="Found">The violation found (at <c>First + Explored - 1</c>), or null.</param>
public sealed record RangeExplored(int Hunt, long First, long Explored, double Seconds, long Abandoned, long FindingSchedules,
    ViolationData? FirstFinding, long[] Coverage, FoundSchedule? Found) : IClusterMessage;
