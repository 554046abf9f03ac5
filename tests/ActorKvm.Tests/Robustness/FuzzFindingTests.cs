using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Tests.Robustness;

/// <summary>What the fuzzer's long run found (each was an exception or a wrong line before its fix).</summary>
public class FuzzFindingTests
{
    [Theory]
    [InlineData("\"0x40c00000\"", "8796093018112")]
    [InlineData("\"0xffffffffff\"", "8K")]
    [InlineData("\"0x10000000000\"", "4K")]
    public void AgeBeyondTheIpaSpace_IsTheFilesError(string gpa, string size)
    {
        // Shaped-scenario finding: the stage-2 walk threw ArgumentOutOfRangeException ("beyond the 40-bit IPA space").
        var r = ScenarioLoader.LoadText($$"""
            name = age
            host.vmas = [ { hva = "0x7f0000000000", size = 16M, backing = anon, prot = rw } ]
            memslots = [ { id = 0, gpa = "0x40000000", size = 16M, hva = "0x7f0000000000" } ]
            steps = [ { op = age, gpa = {{gpa}}, size = {{size}} } ]
            """, "age.hocon");
        Assert.NotNull(r.Error);
        Assert.Equal("steps[0].size", r.Error.KeyPath);
        Assert.Contains("ends beyond the IPA space of 2^40 bytes", r.Error.Message);
    }
}
