using System.Text.Json.Serialization;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Oracle;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>run --json</c> object of the stress workload (docs/cli.md "Output").</summary>
internal sealed record RunSummary
{
    public ulong Seed { get; init; }
    public bool Mte { get; init; }
    public bool MapFixedReplace { get; init; }
    public IReadOnlyList<AppliedNeed> NeedsApplied { get; init; } = [];
    public long Faults { get; init; }
    public long Accesses { get; init; }
    public double Seconds { get; init; }
    public double FaultsPerSecond { get; init; }
    public double RetriesPerFault { get; init; }
    public LatencySummary? FaultLatency { get; init; }
    public Dictionary<string, long> Results { get; init; } = [];
    public Dictionary<string, long> Exits { get; init; } = [];
    public long HostOps { get; init; }
    public double HostOpsPerSecond { get; init; }
    public double? HostOpsPerSecondRequested { get; init; }
    public IReadOnlyList<CauseCount> ExitCauses { get; init; } = [];
    public IReadOnlyList<CauseCount> HostOpErrorCauses { get; init; } = [];
    public long MemslotOps { get; init; }
    public Dictionary<string, long> HostOpErrors { get; init; } = [];
    public long DirtyPagesHarvested { get; init; }
    public int OutstandingFaultRefs { get; init; }
    public int LostWrites { get; init; }
    public int PagesReadBack { get; init; }
    public long? RssStartBytes { get; init; }
    public long? RssEndBytes { get; init; }
    public long? RssPeakBytes { get; init; }
    public long? HeapStartBytes { get; init; }
    public long? HeapEndBytes { get; init; }
    public long? RecordedDeliveries { get; init; }
    public bool? RecordingOverflowed { get; init; }
    public string? ScheduleFile { get; init; }
    public string? Replay { get; init; }
    public bool Deterministic { get; init; }
    public long? Deliveries { get; init; }
    public int? ChoicePoints { get; init; }
    public double? MessagesPerFault { get; init; }
    public CoverageSummary? Coverage { get; init; }
    public ReachabilitySummary? Reachability { get; init; }
    public int ViolationSubjectsCount { get; init; }

    /// <summary>Per distinct subject (kind + address), in order of first occurrence; the first 1000.</summary>
    public IReadOnlyList<SubjectSummary> ViolationSubjects { get; init; } = [];

    public IReadOnlyList<ViolationSummary> Violations { get; init; } = [];
    public IReadOnlyList<FindingSummary> Findings { get; init; } = [];

    /// <summary>The summary of <paramref name="r"/>, a run of <paramref name="options"/>.</summary>
    public static RunSummary Of(StressResult r, ulong seed, RunReproduction replay, WorkloadOptions options, IReadOnlyList<AppliedNeed> needs)
    {
        var s = r.Stats;
        var tallies = ViolationTally.Of(r.Violations);
        return new RunSummary
        {
            Seed = seed,
            Mte = options.Mte,
            MapFixedReplace = options.MapFixedReplace,
            NeedsApplied = needs,
            Faults = s.Faults,
            Accesses = s.Accesses,
            Seconds = r.Elapsed.TotalSeconds,
            FaultsPerSecond = r.FaultsPerSecond,
            RetriesPerFault = s.RetriesPerFault,
            FaultLatency = r.Latency is { } lat ? new(lat.Unit, Math.Round(lat.Percentile(50)), Math.Round(lat.Percentile(99)), Math.Round(lat.Max)) : null,
            Results = s.ByResult.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key.Name(), kv => kv.Value),
            Exits = s.ByExit.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(),
            HostOps = s.HostOps,
            HostOpsPerSecond = Math.Round(RunReport.HostOpRate(r), 1),
            HostOpsPerSecondRequested = options.InvalidateRate > 0 ? options.InvalidateRate : null,
            ExitCauses = CauseCount.Of(s.ExitCauses),
            HostOpErrorCauses = CauseCount.Of(s.HostOpErrorCauses),
            MemslotOps = s.MemslotOps,
            HostOpErrors = s.HostOpErrors.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(),
            DirtyPagesHarvested = s.DirtyPagesHarvested,
            OutstandingFaultRefs = r.OutstandingFaultRefs,
            LostWrites = RunReport.LostWrites(r),
            PagesReadBack = r.PagesReadBack,
            RssStartBytes = r.Memory?.RssStart,
            RssEndBytes = r.Memory?.RssEnd,
            RssPeakBytes = r.Memory?.RssPeak,
            HeapStartBytes = r.Memory?.HeapStart,
            HeapEndBytes = r.Memory?.HeapEnd,
            RecordedDeliveries = r.Recording?.Deliveries,
            RecordingOverflowed = r.Recording?.Overflowed,
            ScheduleFile = replay.ScheduleFile,
            Replay = r.Violations.Count > 0 || r.OutstandingFaultRefs != 0 ? replay.Command : null,
            Deterministic = r.Schedule is not null,
            Deliveries = r.Schedule?.Deliveries,
            ChoicePoints = r.Schedule?.Choices.Length,
            MessagesPerFault = r.Schedule is { } sched ? (s.Faults == 0 ? 0 : sched.Deliveries / (double)s.Faults) : null,
            Coverage = CoverageSummary.Of(s.Coverage),
            Reachability = ReachabilitySummary.Of(s.Reach),
            ViolationSubjectsCount = tallies.Count,
            ViolationSubjects = [.. tallies.Take(1000).Select(t => new SubjectSummary(t.Kind.Name(), t.Subject, t.Events, t.First.Detail))],
            Violations = [.. r.Violations.Select(v => new ViolationSummary(v.Kind.Name(), v.Detail, v.Context))],
            Findings = [.. r.Findings.Select(v => new FindingSummary(v.Finding!, v.Kind.Name(), v.Detail))],
        };
    }
}

/// <summary>Fault latency percentiles, rounded, in <paramref name="Unit"/>.</summary>
internal sealed record LatencySummary(string Unit, double P50, double P99, double Max);

/// <summary>Why exits or host-operation errors happened, and whether the workload meant them.</summary>
internal sealed record CauseCount(string What, string Why, bool Intended, long Count)
{
    public static IReadOnlyList<CauseCount> Of(Dictionary<OutcomeCause, long> causes) =>
        [.. RunReport.Causes(causes).Select(c => new CauseCount(c.Cause.What, c.Cause.Why, c.Cause.Intended, c.Count))];
}

/// <summary>One violation subject (kind + address; null when the kind has none) with its event count and first detail.</summary>
internal sealed record SubjectSummary(string Kind, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Subject, int Events, string First);

/// <summary>One violation the oracle reported.</summary>
internal sealed record ViolationSummary(string Kind, string Detail, string? Context);

/// <summary>An upstream finding (never a failure).</summary>
internal sealed record FindingSummary(string Finding, string Kind, string Detail);
