using System.Text.Json;
using ActorKvm.Stress.Cli;
using static ActorKvm.Tests.Cli.CliHarness;

namespace ActorKvm.Tests.Cli;

public sealed class CommandLineTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("check", "--frobnicate", "x.hocon")]
    [InlineData("teleport")]
    [InlineData("check")]
    [InlineData("check", "x.hocon", "--trace")]
    [InlineData("scenarios", "a", "b")]
    public void UserErrors_AreExactlyOneErrorLine_Exit2(params string[] args)
    {
        var (code, stdout, stderr) = _cli.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("actorkvm: error: ", line);
    }

    [Fact]
    public void UnknownOption_NamesTheOption()
    {
        var (_, _, stderr) = _cli.Run("check", "--frobnicate", "x.hocon");
        Assert.Contains("--frobnicate", stderr);
    }

    [Fact]
    public void Help_PrintsUsageOnStdout_Exit0()
    {
        var (code, stdout, stderr) = _cli.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("check", stdout);
        Assert.Contains("scenarios", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Bugs_ListsTheCatalog_Exit0()
    {
        var (code, stdout, _) = _cli.Run("bugs");
        Assert.Equal(0, code);
        Assert.Contains("25 bug switches", stdout);
        Assert.Contains("page-leak-on-attr-mismatch", stdout);
        Assert.Contains("5f9466b50c1b", stdout);
        var (jsonCode, json, _) = _cli.Run("bugs", "--json");
        Assert.Equal(0, jsonCode);
        var bugs = JsonDocument.Parse(json).RootElement.GetProperty("bugs");
        Assert.Equal(25, bugs.GetArrayLength());
        Assert.Equal("retry-ignores-in-progress", bugs[24].GetProperty("name").GetString());
        Assert.Equal("I1", bugs[24].GetProperty("invariant").GetString());
    }

    [Fact]
    public void Scenarios_ListsNamesAndDescriptionsOfTheShippedDirectory_Exit0()
    {
        _cli.Write("scenarios/a.hocon", "name = alpha\ndescription = \"first one\"");
        _cli.Write("scenarios/b.hocon", "name = be");
        var (code, stdout, _) = _cli.Run("scenarios");
        Assert.Equal(0, code);
        Assert.Equal(["alpha  first one", "be", "2 scenarios"], Lines(stdout));
    }

    [Fact]
    public void Scenarios_OutsideARepository_ListsTheScenariosShippedWithTheProgram()
    {
        // The current directory has no ActorKvm.sln above it: the copy next to the program (what the tool ships) is listed.
        var outside = Directory.CreateTempSubdirectory("actorkvm-outside-").FullName;
        try
        {
            var (o, e) = (new StringWriter(), new StringWriter());
            var code = ActorKvm.Stress.Program.Run(["scenarios", "--json"], o, e, new CliContext(_ => null, outside));
            Assert.Equal(0, code);
            var listed = JsonDocument.Parse(o.ToString()).RootElement.GetProperty("scenarios").EnumerateArray()
                .Select(s => Path.GetFileName(s.GetProperty("file").GetString()!)).Order().ToList();
            var shipped = Directory.GetFiles(Support.RepoPaths.Scenarios, "*.hocon", SearchOption.AllDirectories).Select(f => Path.GetFileName(f)).Order().ToList();
            Assert.Equal(shipped, listed);
            Assert.All(JsonDocument.Parse(o.ToString()).RootElement.GetProperty("scenarios").EnumerateArray(),
                s => Assert.StartsWith(CliContext.ShippedScenariosDirectory, s.GetProperty("file").GetString()));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void Scenarios_OfAGivenDirectory_AsJson()
    {
        var file = _cli.Write("other/a.hocon", "name = alpha\ndescription = \"first one\"");
        var (code, stdout, _) = _cli.Run("scenarios", Path.Combine(_cli.Root, "other"), "--json");
        Assert.Equal(0, code);
        var s = JsonDocument.Parse(stdout).RootElement.GetProperty("scenarios")[0];
        Assert.Equal(("alpha", "first one", file), (s.GetProperty("name").GetString(), s.GetProperty("description").GetString(), s.GetProperty("file").GetString()));
    }

    [Fact]
    public void Scenarios_OfAMissingDirectory_IsOneLineError_Exit2()
    {
        var (code, _, stderr) = _cli.Run("scenarios", "/no/such/dir");
        Assert.Equal(2, code);
        Assert.Equal(["actorkvm: error: no such directory: /no/such/dir"], Lines(stderr));
    }
}
