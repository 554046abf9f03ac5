using System.Text.Json;
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

    /// <summary>The <c>reachability</c> JSON object: every point's count and the list of those at zero.</summary>
    public static void WriteJson(Utf8JsonWriter w, Reachability r)
    {
        w.WriteStartObject("reachability");
        w.WriteNumber("reached", r.Reached);
        w.WriteNumber("points", Reachability.Names.Length);
        w.WriteStartObject("counts");
        foreach (var (name, count) in r.All()) w.WriteNumber(name, count);
        w.WriteEndObject();
        w.WriteStartArray("zero");
        foreach (var name in r.Zero()) w.WriteStringValue(name);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The <c>coverage</c> JSON object.</summary>
    public static void WriteJson(Utf8JsonWriter w, PhaseCoverage c)
    {
        w.WriteStartObject("coverage");
        w.WriteNumber("covered", c.Covered);
        w.WriteNumber("possible", PhaseCoverage.Possible);
        w.WriteStartArray("pairs");
        foreach (var (fault, concurrent, count) in c.Pairs())
        {
            w.WriteStartObject();
            w.WriteString("fault_phase", fault);
            w.WriteString("concurrent", concurrent);
            w.WriteNumber("count", count);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
