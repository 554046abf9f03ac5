using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;

namespace ActorKvm.Stress.Output;

/// <summary>The interleaving-coverage section shared by <c>run</c> and <c>hunt</c>: which (fault phase, concurrent host/memslot phase) pairs ran.</summary>
internal static class CoverageReport
{
    /// <summary>One line: how many pairs of how many.</summary>
    public static string Headline(PhaseCoverage c) => $"{c.Covered} of {PhaseCoverage.Possible} (fault phase, concurrent host/memslot phase) pairs interleaved";

    /// <summary>The headline, then one line per fault phase: the concurrent phases seen after it, with counts.</summary>
    public static string Text(PhaseCoverage c) =>
        string.Join('\n', new[] { Headline(c) }.Concat(c.Pairs().GroupBy(p => p.FaultPhase)
            .Select(g => $"after {g.Key}: {string.Join(", ", g.Select(p => $"{p.Concurrent} {p.Count}"))}")));

    /// <summary>One line: how many model operations/branches were reached, and which were not.</summary>
    public static string ReachText(Reachability r)
    {
        var zero = r.Zero().ToList();
        return $"{r.Reached} of {Reachability.Names.Length} model operations/branches reached" + (zero.Count == 0 ? "" : $"; never: {string.Join(", ", zero)}");
    }
}
