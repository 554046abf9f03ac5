using ActorKvm.Model.Oracle;

namespace ActorKvm.Stress.Output;

/// <summary>
/// Violations counted per distinct subject (kind + address, <see cref="ViolationSubject"/>) with the number of events
/// beside it: a stale leaf the oracle re-reports after every step is one subject, not hundreds of thousands of problems.
/// Reports without an address count as a subject each.
/// </summary>
internal sealed record ViolationTally(ViolationKind Kind, string? Subject, int Events, Violation First)
{
    /// <summary>The subjects of <paramref name="violations"/>, in order of first occurrence.</summary>
    public static IReadOnlyList<ViolationTally> Of(IReadOnlyList<Violation> violations)
    {
        var order = new List<(ViolationKind, string?, int)>();
        var tallies = new Dictionary<(ViolationKind, string?, int), (int Events, Violation First)>();
        for (var i = 0; i < violations.Count; i++)
        {
            var v = violations[i];
            var key = (v.Kind, v.Subject, v.Subject is null ? i : -1);
            if (tallies.TryGetValue(key, out var t)) tallies[key] = (t.Events + 1, t.First);
            else
            {
                tallies[key] = (1, v);
                order.Add(key);
            }
        }
        return [.. order.Select(k => new ViolationTally(k.Item1, k.Item2, tallies[k].Events, tallies[k].First))];
    }

    /// <summary>One line per kind: <c>N subject(s), M event(s); most events: SUBJECT (K); first: ...</c>.</summary>
    public static IEnumerable<(string Kind, string Line)> KindLines(IReadOnlyList<ViolationTally> tallies) =>
        tallies.GroupBy(t => t.Kind).Select(g =>
        {
            var events = g.Sum(t => t.Events);
            var most = g.MaxBy(t => t.Events)!;
            var mostText = g.Count() > 1 && most.Subject is not null ? $"; most events: {most.Subject} ({most.Events})" : "";
            return (g.Key.Name(), $"{Plural(g.Count(), "subject")}, {Plural(events, "event")}{mostText}; first: {g.First().First}");
        });

    private static string Plural(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
}
