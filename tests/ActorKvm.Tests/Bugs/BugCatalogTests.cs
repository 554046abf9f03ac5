using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Bugs;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Bugs;

/// <summary>The bug catalog is complete: the documented switches in catalog order (the contract's 25 first), each with its file and (when modelled) its scenario pair.</summary>
public class BugCatalogTests
{
    /// <summary>The contract's switch names (<c>bug-catalog.md</c> as first published), in its order: never renamed.</summary>
    public static readonly string[] ContractNames =
    [
        "page-leak-on-attr-mismatch", "page-leak-on-excl-atomic-fault", "memcache-uninit-on-perm-map",
        "mmu-seq-snapshot-after-vma-unlock", "split-block-under-read-lock", "vma-used-after-mmap-unlock",
        "host-pt-walk-unprotected", "block-over-existing-table", "huge-map-ignores-memslot-bounds",
        "force-pte-ignored-for-hugetlb", "thp-adjust-skips-huge-check", "perm-fault-relax-ignores-granule",
        "dirty-marked-before-map-success", "device-pfn-demand-paged-as-ram", "device-pfn-thp-upgraded",
        "cacheable-pfnmap-mapped-device", "hwpoison-stale-vma-shift", "mte-tag-init-race",
        "page-touched-after-mmu-unlock", "canonical-ipa-not-aligned", "cont-hugetlb-treated-as-thp",
        "cont-hugetlb-size-unsupported", "pud-no-pmd-fallback", "mmu-seq-snapshot-after-faultin",
        "retry-ignores-in-progress",
    ];

    /// <summary>The switch names of <c>docs/bug-catalog.md</c>'s table, in its order (a new switch adds a row there).</summary>
    public static readonly string[] CatalogNames =
    [
        .. File.ReadLines(Path.Combine(RepoPaths.Root, "docs", "bug-catalog.md"))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^\| (\d+) \| `([a-z0-9-]+)` \|"))
            .Where(m => m.Success).Select(m => m.Groups[2].Value),
    ];

    public static TheoryData<string> AllNames() => [.. CatalogNames];

    internal static string FileName(string name) => string.Concat(name.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..])) + ".cs";

    [Fact]
    public void BugCatalog_ListsExactlyTheDocumentedNames_InCatalogOrder_StartingWithTheContractsNames()
    {
        Assert.Equal(CatalogNames, BugCatalog.Names);
        Assert.Equal(ContractNames, BugCatalog.Names.Take(ContractNames.Length));
        Assert.Equal(Enumerable.Range(1, CatalogNames.Length), BugCatalog.All.Select(b => b.Number));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void EverySwitch_HasItsOwnFile_NamingTheKernelFixAndTheRule(string name)
    {
        var path = Path.Combine(RepoPaths.Root, "src", "ActorKvm.Model", "Bugs", FileName(name));
        Assert.True(File.Exists(path), $"missing {path}");
        Assert.Contains($"\"{name}\"", File.ReadAllText(path));
        var b = BugCatalog.Find(name)!;
        Assert.False(string.IsNullOrWhiteSpace(b.KernelFix));
        Assert.Matches(@"^(I[1-6]|P[12]|R1)(, (I[1-6]|P[12]|R1))*$", b.Invariant);
        Assert.False(string.IsNullOrWhiteSpace(b.Rule));
    }

    [Theory]
    [MemberData(nameof(AllNames))]
    public void EveryModelledSwitch_HasAScenarioPair_WithTheSameSteps(string name)
    {
        var b = BugCatalog.Find(name)!;
        var on = Path.Combine(RepoPaths.Scenarios, "bugs", name + ".hocon");
        var off = Path.Combine(RepoPaths.Scenarios, "bugs", name + "-fixed.hocon");
        if (!b.Modelled)
        {
            // Not reproduced: the reason is recorded instead, and no scenario pretends otherwise.
            Assert.False(string.IsNullOrWhiteSpace(b.NotModelled));
            Assert.False(File.Exists(on));
            Assert.False(File.Exists(off));
            return;
        }
        var buggy = ScenarioLoader.LoadFile(on);
        var fixedTwin = ScenarioLoader.LoadFile(off);
        Assert.True(buggy.IsOk, buggy.Error?.ToString());
        Assert.True(fixedTwin.IsOk, fixedTwin.Error?.ToString());
        Assert.Equal([name], buggy.Scenario!.Bugs);
        Assert.Empty(fixedTwin.Scenario!.Bugs);
        Assert.Equal(buggy.Scenario.Memslots, fixedTwin.Scenario.Memslots);
        Assert.Equal(buggy.Scenario.Host.Vmas, fixedTwin.Scenario.Host.Vmas);
        Assert.Equal(buggy.Scenario.Vm, fixedTwin.Scenario.Vm);
        Assert.Equal(buggy.Scenario.Steps.Count, fixedTwin.Scenario.Steps.Count);
        for (var i = 0; i < buggy.Scenario.Steps.Count; i++)
        {
            var s = buggy.Scenario.Steps[i];
            Assert.Equal(s, fixedTwin.Scenario.Steps[i] with { Expect = s.Expect });
        }
    }
}
