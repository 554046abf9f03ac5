using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;

namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>coverage</c> object of run and hunt: which (fault phase, concurrent host/memslot phase) pairs ran.</summary>
internal sealed record CoverageSummary(int Covered, int Possible, IReadOnlyList<CoveragePair> Pairs)
{
    public static CoverageSummary? Of(PhaseCoverage? c) =>
        c is null ? null : new(c.Covered, PhaseCoverage.Possible, [.. c.Pairs().Select(p => new CoveragePair(p.FaultPhase, p.Concurrent, p.Count))]);
}

/// <summary>One interleaved pair and how often it ran.</summary>
internal sealed record CoveragePair(string FaultPhase, string Concurrent, long Count);

/// <summary>The <c>reachability</c> object: every model operation/branch's count and the list of those at zero.</summary>
internal sealed record ReachabilitySummary(int Reached, int Points, Dictionary<string, long> Counts, IReadOnlyList<string> Zero)
{
    public static ReachabilitySummary? Of(Reachability? r) =>
        r is null ? null : new(r.Reached, Reachability.Names.Length, r.All().ToDictionary(x => x.Name, x => x.Count), [.. r.Zero()]);
}
