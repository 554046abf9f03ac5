using System.Text.Json;
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
