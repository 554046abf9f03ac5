using System.CommandLine;
using System.Globalization;
using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>A hunt's options, checked: the targets hunted in turn, the exploration options, and where a found schedule goes.</summary>
internal sealed record HuntPlan(IReadOnlyList<string[]> Targets, bool AllBugs, HuntOptions Options, string BudgetText, string ScheduleDir);

/// <summary>
/// The options of a hunt, declared once for <c>hunt</c> and for <c>worker</c> (which may be given them to make sure it
/// joins the hunt it means: each one given must agree with the coordinator's), and their canonical text.
/// </summary>
internal sealed class HuntArgs
{
    /// <summary>The workload's options a hunt takes (<c>--bug</c>, <c>--seed</c>, <c>--faults</c>, <c>--backing</c>, <c>--variant</c>), over the race mix.</summary>
    public WorkloadArgs Workload { get; } = new(WorkloadVerb.Hunt);

    public Option<string[]> Bug => Workload.Bug;
    public Option<bool> AllBugs { get; } = new("--all-bugs") { Description = "Hunt each modelled switch in turn and print a table" };
    public Option<string> Strategy { get; } = new("--strategy") { Description = "random or pct", DefaultValueFactory = _ => "random" };
    public Option<int> Depth { get; } = new("--depth") { Description = "PCT bug depth", DefaultValueFactory = _ => 3 };
    public Option<string> Budget { get; } = new("--budget") { Description = "Per bug: wall-clock (10s) or schedule count (5000)", DefaultValueFactory = _ => "10s" };
    public Option<ulong?> Seed => Workload.Seed;
    public Option<long?> Faults => Workload.Faults;
    public Option<string[]> Variant => Workload.Variant;
    public Option<string[]> Backing => Workload.Backing;

    /// <summary>The options that decide which schedules are explored (what a worker must agree on).</summary>
    public IReadOnlyList<Option> Exploration => [Bug, AllBugs, Strategy, Depth, Budget, Seed, Faults, Backing, Variant];

    /// <summary>Checks the options; <paramref name="scheduleDir"/> is where a found schedule goes.</summary>
    public HuntPlan Read(ParseResult r, string scheduleDir)
    {
        var names = r.GetValue(Bug) ?? [];
        var all = r.GetValue(AllBugs);
        if (all && names.Length > 0) throw new CliUserError("--all-bugs: give either --all-bugs or --bug, not both");
        BugNames.Check(names);
        var strat = r.GetValue(Strategy) switch
        {
            "random" => HuntStrategy.Random,
            "pct" => HuntStrategy.Pct,
            var other => throw new CliUserError($"--strategy: expected random or pct, got '{other}'"),
        };
        var d = r.GetValue(Depth);
        if (d is < 1 or > 20) throw new CliUserError($"--depth: expected 1..20, got {d}");
        var budgetText = r.GetValue(Budget)!;
        var (maxSchedules, maxTime) = ParseBudget(budgetText);
        var firstSeed = r.GetValue(Seed) ?? (ulong)Random.Shared.NextInt64(1, int.MaxValue);
        var workload = Workload.Bind(r, HuntOptions.RaceMix);
        var targets = all ? BugCatalog.All.Where(b => b.Modelled).Select(b => new[] { b.Name }).ToList() : [names];
        return new HuntPlan(targets, all, new HuntOptions(workload, strat, d, firstSeed, maxSchedules, maxTime), budgetText, scheduleDir);
    }

    /// <summary>Every exploration option of <paramref name="plan"/> as canonical text (name → value).</summary>
    public static IReadOnlyDictionary<string, string> Canonical(HuntPlan plan)
    {
        var o = plan.Options;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--bug"] = plan.AllBugs ? "" : string.Join(',', plan.Targets[0]),
            ["--all-bugs"] = plan.AllBugs ? "true" : "false",
            ["--strategy"] = o.Strategy.ToString().ToLowerInvariant(),
            ["--depth"] = o.Depth.ToString(CultureInfo.InvariantCulture),
            ["--budget"] = o.MaxSchedules != long.MaxValue ? o.MaxSchedules.ToString(CultureInfo.InvariantCulture) : $"{o.MaxTime.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s",
            ["--seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
            ["--faults"] = o.Workload.MaxFaults.ToString(CultureInfo.InvariantCulture),
            ["--variant"] = string.Join(',', o.Workload.Variants.On.Order(StringComparer.Ordinal)),
            ["--backing"] = o.Workload.Backings is null ? "(rotating layouts)" : string.Join(',', o.Workload.Backings.Select(b => b.ToScenarioName())),
        };
    }

    /// <summary>The canonical text of the exploration options given on the command line (not their defaults).</summary>
    public IReadOnlyDictionary<string, string> Given(ParseResult r, HuntPlan plan)
    {
        var all = Canonical(plan);
        return Exploration.Where(x => r.GetResult(x) is { Implicit: false }).ToDictionary(x => x.Name, x => all[x.Name], StringComparer.Ordinal);
    }

    /// <summary><c>--budget</c>: a schedule count or a wall-clock duration.</summary>
    public static (long Schedules, TimeSpan Time) ParseBudget(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return (n, TimeSpan.MaxValue);
        try
        {
            return (long.MaxValue, DurationParser.Parse("--budget", text));
        }
        catch (CliUserError e) when (!e.Message.Contains("at most", StringComparison.Ordinal))
        {
            throw new CliUserError($"--budget: expected a duration such as 10s or a schedule count such as 5000, got '{text}'");
        }
    }
}
