using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Tests.Scenarios;

/// <summary>Builds scenario text from sections and loads it, for loader tests.</summary>
internal static class ScenarioText
{
    public const string Vma = """{ hva = "0x7f0000000000", size = 64M, backing = thp, prot = rw }""";
    public const string Slot = """{ id = 0, gpa = "0x40000000", size = 4M, hva = "0x7f0000000000" }""";

    /// <summary>A valid scenario with one THP VMA and one slot, plus the given extra text.</summary>
    public static string With(string extra = "", string vmas = Vma, string memslots = Slot) => $$"""
        name = "t"
        host { vmas = [ {{vmas}} ] }
        memslots = [ {{memslots}} ]
        {{extra}}
        """;

    public static ScenarioLoadResult Load(string text, string file = "x.hocon") => ScenarioLoader.LoadText(text, file);

    public static ScenarioDefinition Ok(string text, string file = "x.hocon")
    {
        var r = Load(text, file);
        Assert.True(r.IsOk, r.Error?.ToString());
        return r.Scenario!;
    }

    /// <summary>Asserts a load error at <paramref name="keyPath"/> whose message contains <paramref name="messagePart"/>.</summary>
    public static ScenarioError Error(string text, string keyPath, string messagePart = "", string file = "x.hocon")
    {
        var r = Load(text, file);
        Assert.False(r.IsOk, "expected a load error at " + keyPath);
        Assert.Equal(keyPath, r.Error!.KeyPath);
        Assert.Contains(messagePart, r.Error.Message);
        Assert.DoesNotContain('\n', r.Error.ToString());
        return r.Error;
    }

    public static StepSpec Step(string step) => Ok(With($"steps = [ {step} ]")).Steps[0];
}
