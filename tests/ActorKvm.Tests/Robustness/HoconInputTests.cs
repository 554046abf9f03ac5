using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Tests.Cli;
using static ActorKvm.Tests.Scenarios.ScenarioText;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Hostile HOCON through the loader's entry points (issue 15, defects 1, 2 and 15; issue 18's duplicate keys): every
/// problem is one line naming where, never a stack overflow, a hang or a parse left running.
/// </summary>
public class HoconInputTests
{
    [Theory(Timeout = 20000)]
    [InlineData("name = ${name}", "name")]
    [InlineData("name = n\nx = ${y}\ny = ${x}", "x")]
    [InlineData("name = n\na { b = ${a} }", "a.b")]
    [InlineData("name = n\na = [ ${a} ]", "a[0]")]
    [InlineData("name = n\na = ${b.c}\nb { c = ${a} }", "a")]
    public async Task SubstitutionCycles_AreOneLineErrors_NotStackOverflows(string text, string keyPath)
    {
        // Defect 1: the cycle overflowed the stack in the tree conversion and killed the whole process.
        var r = await Task.Run(() => Load(text));
        Assert.False(r.IsOk);
        Assert.Equal(keyPath, r.Error!.KeyPath);
        Assert.Contains("cycle", r.Error.Message);
    }

    [Fact(Timeout = 20000)]
    public async Task TenThousandLevelDottedKey_IsRefused_NotAStackOverflow()
    {
        // Defect 2: the 64-level guard counted only '{' and '['; a dotted key nests as deep.
        var key = string.Join('.', Enumerable.Repeat("a", 10_000));
        var r = await Task.Run(() => Load($"name = n\n{key} = 1"));
        Assert.Equal("line 2", r.Error!.KeyPath);
        Assert.Contains("nesting deeper than 64", r.Error.Message);
    }

    [Fact(Timeout = 20000)]
    public async Task SubstitutionsCannotNestDeeperThanTheGuard()
    {
        // 60 levels per object, 20 objects each holding the previous: no single text nesting is deep, the result is.
        var deep = string.Join('.', Enumerable.Repeat("d", 60));
        var lines = Enumerable.Range(1, 20).Select(i => $"o{i}.{deep} = ${{o{i - 1}}}");
        var r = await Task.Run(() => Load("name = n\no0 = 1\n" + string.Join('\n', lines)));
        Assert.Contains("nesting deeper than 64", r.Error!.Message);
    }

    [Fact(Timeout = 20000)]
    public async Task SubstitutionExpansion_IsBoundedByTheFileSize()
    {
        // "Billion laughs": each key doubles the previous one; 40 levels would be 2^40 values.
        var lines = Enumerable.Range(1, 40).Select(i => $"l{i} = ${{l{i - 1}}} ${{l{i - 1}}}");
        var r = await Task.Run(() => Load("name = n\nl0 = [1]\n" + string.Join('\n', lines)));
        Assert.Contains("substitutions expand", r.Error!.Message);
    }

    [Fact(Timeout = 20000)]
    public async Task FilesThatHungAkkasParser_AreReadAtOnce()
    {
        // Defect 15: Akka's parser spins forever on an optional substitution inside a list; the old guard gave up after
        // 5 s but left the thread spinning and allocating. Twelve such files must each be read, not timed out.
        using var cli = new CliHarness();
        for (var i = 0; i < 12; i++) cli.Write($"scenarios/h{i}.hocon", $"name = pass-{i}\nsteps = [ ${{?nothing}} ]\n");
        var started = DateTime.UtcNow;
        var (code, stdout, stderr) = await Task.Run(() => cli.Run("check", Path.Combine(cli.Root, "scenarios")));
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("12 passed, 0 failed", stdout);
        Assert.DoesNotContain("timed out", stdout + stderr);
    }

    [Theory]
    [InlineData("name = n\nname = m", "name", "duplicate key")]
    [InlineData("name = n\nvm { ipa-bits = 40 }\nvm.ipa-bits = 44", "vm.ipa-bits", "duplicate key")]
    [InlineData("name = n\nvm { ipa-bits = 40, ipa-bits = 44 }", "vm.ipa-bits", "duplicate key")]
    [InlineData("name = n\nhost { vmas = [] }\nhost { vmas = [] }", "host.vmas", "duplicate key")]
    public void DuplicateKeyPaths_AreErrorsNamingThePath(string text, string keyPath, string message) =>
        // Issue 18: HOCON's "last wins" silently dropped the first value.
        Error(text, keyPath, message);

    [Fact]
    public void ObjectsAtOnePath_StillMerge() =>
        Assert.Equal(44, Ok("name = n\nvm { ipa-bits = 44 }\nvm.vcpus = 2").Vm.IpaBits);

    [Theory]
    [InlineData("[ { name = a } ]")]
    [InlineData("  # a comment\n[1, 2]\nname = n")]
    public void TopLevelList_IsAnError_NotTheRestDropped(string text) =>
        Assert.Contains("must be an object", Error(text, "line " + (text.StartsWith(' ') ? 2 : 1)).Message);

    [Theory]
    [InlineData("name = n\ninclude \"missing.conf\"", "include is not supported")]
    [InlineData("name = n\nsteps += []", "'+=' is not supported")]
    [InlineData("name = n\nx = ${nothing.here}", "no such key")]
    public void UnsupportedHoconForms_AreOneLineErrors(string text, string message)
    {
        var r = Load(text);
        Assert.Contains(message, r.Error!.Message);
        Assert.DoesNotContain('\n', r.Error.ToString());
    }

    [Theory]
    [InlineData("name = \"a\\nPASS forged\"", "name")]
    [InlineData("name = \"\\u001b[31mred\"", "name")]
    [InlineData("name = n\ndescription = \"\\u001b]0;title\\u0007\"", "description")]
    public void ControlCharactersInNames_AreRefused(string text, string keyPath) =>
        // Minor: a name echoed in PASS/FAIL lines could forge output lines or send ANSI escapes to the terminal.
        Assert.Contains("control character", Error(text, keyPath).Message);

    [Fact]
    public void SubstitutionsThatResolve_AreRead()
    {
        var s = Ok("name = n\nvm.ipa-bits = 44\ndescription = bits ${vm.ipa-bits} here");
        Assert.Equal("bits 44 here", s.Description);
    }
}
