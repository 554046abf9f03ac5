using System.Reflection;
using ActorKvm.Model.Bugs;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>Every modelled bug switch has its TestKit pair here (a class named after the switch), and no unmodelled one has.</summary>
public class BugInterleavingCoverageTests
{
    private static readonly Type[] Classes = typeof(BugTwin).Assembly.GetTypes()
        .Where(t => t.Namespace == typeof(BugTwin).Namespace && t.Name.EndsWith("Tests", StringComparison.Ordinal))
        .ToArray();

    private static string ClassName(string bug) =>
        string.Concat(bug.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])) + "Tests";

    public static TheoryData<string> Modelled() => [.. BugCatalog.All.Where(b => b.Modelled).Select(b => b.Name)];

    [Theory]
    [MemberData(nameof(Modelled))]
    public void ModelledSwitch_HasASwitchOnAndASwitchOffTest(string bug)
    {
        var type = Assert.Single(Classes, t => t.Name == ClassName(bug));
        var facts = type.GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null).Select(m => m.Name).ToList();
        Assert.Contains(facts, n => n.StartsWith("SwitchOn_", StringComparison.Ordinal));
        Assert.Contains(facts, n => n.StartsWith("SwitchOff_", StringComparison.Ordinal));
    }

    [Fact]
    public void UnmodelledSwitches_HaveNoPair()
    {
        foreach (var b in BugCatalog.All.Where(b => !b.Modelled))
            Assert.DoesNotContain(Classes, t => t.Name == ClassName(b.Name));
        Assert.Equal(24, BugCatalog.All.Count(b => b.Modelled));
    }
}
