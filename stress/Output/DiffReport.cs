using ActorKvm.Stress.Diff;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Output;

/// <summary>The lines of <c>actorkvm diff</c>: AGREE / DISAGREE / SKIP per scenario, then a summary (and the JSON object).</summary>
internal sealed class DiffReport(TextWriter human, KernelVersion version)
{
    private readonly List<(string Name, string Status, string? Detail)> _rows = [];
    private readonly List<string> _malformed = [];

    public int Agree { get; private set; }
    public int Disagree { get; private set; }
    public int Skipped { get; private set; }
    public int Observations { get; private set; }
    public int MalformedCount => _malformed.Count;
    public double Seconds { get; set; }
    public MachineFeatures? Machine { get; set; }

    public void Note(string text) => human.WriteLine(text);

    public void Malformed(string error)
    {
        _malformed.Add(error);
        human.WriteLine($"ERROR {error}");
    }

    public void Skip(string name, string reason)
    {
        Skipped++;
        _rows.Add((name, "skip", reason));
        human.WriteLine($"SKIP {name}: {reason}");
    }

    public void Compared(string name, Difference? difference, int observations, string? saved)
    {
        Observations += observations;
        if (difference is null)
        {
            Agree++;
            _rows.Add((name, "agree", null));
            human.WriteLine($"AGREE {name}");
            return;
        }
        Disagree++;
        _rows.Add((name, "disagree", difference.ToString()));
        human.WriteLine($"DISAGREE {name}: {difference}");
        if (saved is not null) human.WriteLine($"  saved as {saved}");
    }

    /// <summary>The reason without the step that caused it, for the summary's counts.</summary>
    private static string ReasonKind(string reason)
    {
        var r = reason.StartsWith("steps[", StringComparison.Ordinal) && reason.IndexOf(": ", StringComparison.Ordinal) is var i and > 0 ? reason[(i + 2)..] : reason;
        return r.StartsWith("an access at ", StringComparison.Ordinal) ? "an access above 1 TiB" : r;
    }

    public void WriteSummary()
    {
        if (Machine is { } m) human.WriteLine($"kernel {m} (the model ran with these features)");
        else human.WriteLine($"kernel {version}: not booted (nothing eligible)");
        human.WriteLine($"diff: {Agree + Disagree} eligible: {Agree} agree, {Disagree} disagree; {Skipped} skipped; {Observations} observations compared; boot+run {Seconds:0} s");
        foreach (var g in _rows.Where(r => r.Status == "skip").GroupBy(r => ReasonKind(r.Detail!)).OrderByDescending(g => g.Count()))
            human.WriteLine($"  skipped {g.Count(),3}: {g.Key}");
    }

    public void WriteJson(TextWriter to) => JsonOut.Write(to, new DiffSummary(Machine?.Release ?? version.ToString(), Machine?.ToString(), Agree, Disagree, Skipped,
        MalformedCount, Observations, Math.Round(Seconds, 1),
        [.. _rows.Select(r => new DiffRow(r.Name, r.Status, r.Status == "skip" ? null : r.Detail, r.Status == "skip" ? r.Detail : null))]), SummaryJson.Default.DiffSummary);
}
