using System.CommandLine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>run --bug NAME</c>: applies what each switch needs from the workload (<see cref="WorkloadNeed"/>), except a knob
/// whose option was given on the command line (<c>--mte false</c> keeps an MTE-needing switch on a non-MTE VM).
/// </summary>
internal static class RunNeeds
{
    public static (WorkloadOptions Options, IReadOnlyList<AppliedNeed> Applied) Apply(ParseResult r, WorkloadArgs o, WorkloadOptions options, IEnumerable<string> bugs)
    {
        var applied = new List<AppliedNeed>();
        // A knob the user did not choose on the command line and the run does not have already.
        T? Take<T>(T? needed, T now, params Option[] options) where T : struct =>
            needed is { } v && !v.Equals(now) && options.All(x => r.GetResult(x) is not { Implicit: false }) ? v : null;
        foreach (var bug in bugs.Distinct())
        {
            if (WorkloadNeed.For(bug) is not { } need) continue;
            var take = need with
            {
                Mte = Take(need.Mte, options.Mte, o.Mte),
                MapFixedReplace = Take(need.MapFixedReplace, options.MapFixedReplace, o.MapFixed),
                Memory = Take(need.Memory, options.Memory, o.Memory),
                Vcpus = Take(need.Vcpus, options.Vcpus, o.Vcpus),
                // Host operations on a clock (--invalidate-rate) are the user's choice of host load too.
                InvalidateEvery = Take(need.InvalidateEvery, options.InvalidateEvery, o.InvalidateEvery, o.InvalidateRate),
            };
            var given = new List<string>();
            if (take.Mte is { } mte)
            {
                if (mte) Backings.CheckMte(options.Backings, $"--bug {bug}: it needs an MTE VM (--mte false runs without)");
                given.Add($"--mte {Bool(mte)}");
            }
            if (take.MapFixedReplace is { } fixedReplace) given.Add($"--map-fixed {Bool(fixedReplace)}");
            if (take.Memory is { } bytes) given.Add($"--memory {MemorySize.OfBytes(bytes)}");
            if (take.Vcpus is { } vcpus) given.Add($"--vcpus {vcpus}");
            if (take.InvalidateEvery is { } every) given.Add($"--invalidate-every {every}");
            if (given.Count == 0) continue;
            options = take.ApplyTo(options);
            applied.Add(new AppliedNeed(bug, string.Join(' ', given), need.Why));
        }
        return (options, applied);
    }

    private static string Bool(bool b) => b ? "true" : "false";
}
