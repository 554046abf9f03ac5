using System.Text.RegularExpressions;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Stress.Cli;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Docs;

/// <summary>
/// docs/ is the user's reference: every name the code knows (taken from the code's own tables, so a new name
/// without documentation fails here) must appear in it, quoted as code.
/// </summary>
public sealed class DocsCoverageTests
{
    private static string Doc(string file) => File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", file));

    /// <summary>The names of <paramref name="names"/> that <paramref name="doc"/> never quotes as <c>`name`</c> or <c>`name ...`</c>.</summary>
    internal static IReadOnlyList<string> Missing(string doc, IEnumerable<string> names) =>
        names.Distinct().Where(n => !Regex.IsMatch(doc, "`" + Regex.Escape(n) + "[` ]")).ToList();

    /// <summary>The options of <paramref name="names"/> that <paramref name="doc"/> never mentions (as a whole word).</summary>
    private static IReadOnlyList<string> MissingOptions(string doc, IEnumerable<string> names) =>
        names.Distinct().Where(n => !Regex.IsMatch(doc, "(?<![A-Za-z-])" + Regex.Escape(n) + "(?![A-Za-z-])")).ToList();

    private static void AssertNoneMissing(string what, IReadOnlyList<string> missing) =>
        Assert.True(missing.Count == 0, $"{what} not documented: {string.Join(", ", missing)}");

    [Fact]
    public void ScenarioFormat_NamesEveryOpPhaseResultAccessKindBackingMemtypeViolationAndFinding()
    {
        var doc = Doc("scenario-format.md");
        AssertNoneMissing("ops", Missing(doc, StepOps.Names));
        AssertNoneMissing("phases", Missing(doc, StepOps.AllPhases));
        AssertNoneMissing("fault results", Missing(doc, ScenarioNames.FaultOutcomes));
        AssertNoneMissing("results", Missing(doc, ScenarioNames.SpecialResults));
        AssertNoneMissing("errno results the model returns",
            Missing(doc, Enum.GetValues<Errno>().Where(e => e != Errno.Ok).Select(e => e.ToScenarioName())));
        AssertNoneMissing("access kinds", Missing(doc, ScenarioNames.AccessKinds.Select(k => k.Name)));
        AssertNoneMissing("memtypes", Missing(doc, ScenarioNames.MemTypes.Select(k => k.Name)));
        AssertNoneMissing("backings", Missing(doc, BackingKindExtensions.Names.Select(b => b.Name)));
        AssertNoneMissing("violations", Missing(doc, ViolationNames.All));
        AssertNoneMissing("upstream findings", Missing(doc, UpstreamFindings.All.Keys));
    }

    [Fact]
    public void BugCatalog_NamesEverySwitchAndEveryViolationIsCheckedByALabel()
    {
        var doc = Doc("bug-catalog.md");
        AssertNoneMissing("bug switches", Missing(doc, BugCatalog.Names));
        AssertNoneMissing("violations (in the labels table)", Missing(doc, ViolationNames.All.Where(v => v != "deadlock")));
        // Each switch's labels (I1..R1) are explained in the labels table.
        var labels = BugCatalog.All.SelectMany(b => b.Invariant.Split(',', StringSplitOptions.TrimEntries)).Distinct();
        AssertNoneMissing("rule labels", labels.Where(l => !Regex.IsMatch(doc, $@"^\| {Regex.Escape(l)} \|", RegexOptions.Multiline)).ToList());
    }

    [Fact]
    public void Cli_NamesEveryVerbAndEveryOption()
    {
        var doc = Doc("cli.md");
        var root = ActorKvm.Stress.Cli.CommandLine.Build(new CliIo(TextWriter.Null, TextWriter.Null), CliContext.Default);
        AssertNoneMissing("verbs", Missing(doc, root.Subcommands.Select(c => c.Name)));
        var options = root.Options.Concat(root.Subcommands.SelectMany(c => c.Options))
            .SelectMany(o => o.Aliases.Append(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
        AssertNoneMissing("options", MissingOptions(doc, options));
    }

    [Fact]
    public void Missing_ReportsANameTheDocDoesNotQuote()
    {
        // The check above can fail: a name only mentioned in prose, or a prefix of a quoted name, is missing.
        const string doc = "| `map` | a leaf installed; remap is prose; `thp-split-folio` |";
        Assert.Equal(["remap", "thp-split"], Missing(doc, ["map", "remap", "thp-split", "thp-split-folio"]));
    }

    [Fact]
    public void Readme_PointsAtDocsAndNotOutsideTheRepository()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        Assert.DoesNotContain("../shared", readme);
        foreach (var doc in new[] { "docs/scenario-format.md", "docs/cli.md", "docs/bug-catalog.md" })
            Assert.Contains(doc, readme);
    }
}
