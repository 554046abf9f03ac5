using ActorKvm.Tests.Cli;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Defect 9: outputs are opened and checked before the work (a bad path costs nothing), and a write that fails after
/// the work (<c>/dev/full</c>) is one line on stderr while the summary still prints; exit 2.
/// </summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private string Scenario => _cli.Write("s.hocon", "name = pass-s");

    public static TheoryData<string> Verbs => new() { "run", "check", "replay", "run-scenario" };

    private string[] Args(string verb, params string[] more) => verb switch
    {
        "run" => ["run", "--deterministic", "--faults", "50", "--seed", "1", "--quiet", .. more],
        "check" => ["check", Scenario, .. more],
        "replay" => ["replay", "--seed", "1", "--faults", "20", .. more],
        _ => ["run", RepoScenario, "--seed", "1", .. more],
    };

    private static string RepoScenario => Path.Combine(Support.RepoPaths.Scenarios, "migrate-before-pin-remaps-new-page.hocon");

    [Theory]
    [MemberData(nameof(Verbs))]
    public void TraceToADirectory_IsRefusedBeforeTheWork(string verb)
    {
        var (code, stdout, err) = _cli.Run(Args(verb, "--trace", _cli.Root));
        Assert.Equal(2, code);
        Assert.Equal([$"actorkvm: error: --trace: {_cli.Root} is a directory"], CliHarness.Lines(err));
        Assert.Equal("", stdout);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void EmptyTracePath_IsRefusedBeforeTheWork(string verb)
    {
        var (code, _, err) = _cli.Run(Args(verb, "--trace", ""));
        Assert.Equal(2, code);
        Assert.Equal(["actorkvm: error: --trace: expected a file name, got ''"], CliHarness.Lines(err));
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public void TraceToDevFull_FailsAfterTheWork_AndTheSummaryStillPrints(string verb)
    {
        var (code, stdout, err) = _cli.Run(Args(verb, "--trace", "/dev/full"));
        Assert.Equal(2, code);
        Assert.StartsWith("actorkvm: error: --trace: writing /dev/full failed: ", Assert.Single(CliHarness.Lines(err)));
        Assert.NotEqual("", stdout.Trim()); // the results
    }

    [Fact]
    public void UnwritableTraceFile_IsRefusedBeforeTheWork()
    {
        var dir = Directory.CreateDirectory(Path.Combine(_cli.Root, "ro"));
        var file = Path.Combine(dir.FullName, "t.json");
        File.WriteAllText(file, "");
        File.SetAttributes(file, FileAttributes.ReadOnly);
        if (Environment.UserName == "root") return; // root writes read-only files; the directory case below covers root
        var (code, _, err) = _cli.Run(Args("run", "--trace", file));
        Assert.Equal(2, code);
        Assert.StartsWith($"actorkvm: error: --trace: cannot write {file}", Assert.Single(CliHarness.Lines(err)));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("hunt")]
    public void ScheduleDirThatIsAFile_IsRefusedBeforeTheWork(string verb)
    {
        var notADir = _cli.Write("file", "x");
        string[] args = verb == "run"
            ? ["run", "--duration", "1s", "--record", "true", "--quiet", "--schedule-dir", notADir]
            : ["hunt", "--bug", "retry-ignores-in-progress", "--budget", "1", "--schedule-dir", notADir];
        var (code, stdout, err) = _cli.Run(args);
        Assert.Equal(2, code);
        Assert.Equal([$"actorkvm: error: --schedule-dir: no such directory: {notADir}"], CliHarness.Lines(err));
        Assert.Equal("", stdout);
    }
}
