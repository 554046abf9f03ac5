using System.CommandLine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>run --bug NAME</c>: applies what each switch needs from the workload (<see cref="WorkloadNeeds"/>), except a knob
/// whose option was given on the command line (<c>--mte false</c> keeps an MTE-needing switch on a non-MTE VM).
/// </summary>
internal static class RunNeeds
{
    public static (WorkloadOptions Options, IReadOnlyList<AppliedNeed> Applied) Apply(ParseResult r, RunOptions o, WorkloadOptions options, IEnumerable<string> bugs)
    {
        var applied = new List<AppliedNeed>();
        // A knob the user did not choose on the command line and the run does not have already.
        bool? Take(Option<bool> option, bool? needed, bool now) =>
            needed is { } v && v != now && r.GetResult(option) is not { Implicit: false } ? v : null;
        foreach (var bug in bugs.Distinct())
        {
            if (WorkloadNeeds.For(bug) is not { } need) continue;
            var take = need with
            {
                Mte = Take(o.Mte, need.Mte, options.Mte),
                MapFixedReplace = Take(o.MapFixed, need.MapFixedReplace, options.MapFixedReplace),
                Memory = need.Memory is { } m && m != options.Memory && r.GetResult(o.Memory) is not { Implicit: false } ? m : null,
            };
            var given = new List<string>();
            if (take.Mte is { } mte)
            {
                if (mte) Backings.CheckMte(options.Backings, $"--bug {bug}: it needs an MTE VM (--mte false runs without)");
                given.Add($"--mte {Bool(mte)}");
            }
            if (take.MapFixedReplace is { } fixedReplace) given.Add($"--map-fixed {Bool(fixedReplace)}");
            if (take.Memory is { } bytes) given.Add($"--memory {MemoryText(bytes)}");
            if (given.Count == 0) continue;
            options = take.ApplyTo(options);
            applied.Add(new AppliedNeed(bug, string.Join(' ', given), need.Why));
        }
        return (options, applied);
    }

    private static string Bool(bool b) => b ? "true" : "false";

    /// <summary>A guest size as <c>--memory</c> takes it (the needs' sizes are whole MiB).</summary>
    public static string MemoryText(ulong bytes) => $"{bytes >> 20}M";
}
