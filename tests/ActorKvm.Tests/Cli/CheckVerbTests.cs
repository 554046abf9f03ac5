using System.Text.Json;
using static ActorKvm.Tests.Cli.CliHarness;

namespace ActorKvm.Tests.Cli;

public sealed class CheckVerbTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void AllPassing_PrintsPassLinesAndTheClosingLine_Exit0()
    {
        _cli.Write("s/a.hocon", "name = pass-a");
        _cli.Write("s/b.hocon", "name = pass-b");
        var (code, stdout, stderr) = _cli.Run("check", Path.Combine(_cli.Root, "s"));
        Assert.Equal(0, code);
        Assert.Equal(["PASS pass-a", "PASS pass-b", "2 passed, 0 failed"], Lines(stdout));
        Assert.Equal("", stderr);
        Assert.Equal(["pass-a", "pass-b"], _cli.Executor.Runs.Select(r => r.Name));
    }

    [Fact]
    public void AnyFailing_PrintsTheFailLineWithExpectedAndGot_Exit1()
    {
        var f = _cli.Write("f.hocon", "name = fails");
        var p = _cli.Write("p.hocon", "name = pass-1");
        var (code, stdout, _) = _cli.Run("check", f, p);
        Assert.Equal(1, code);
        Assert.Equal(["FAIL fails: steps[4].expect.faults: expected [retry, map], got [map]", "PASS pass-1", "1 passed, 1 failed"], Lines(stdout));
    }

    [Fact]
    public void MalformedFile_IsCountedFailed_OthersStillRun_Exit2()
    {
        var bad = _cli.Write("d/a.hocon", "name = bad\nsteps = [ { op = access, gpa = \"zz\", kind = read } ]");
        _cli.Write("d/b.hocon", "name = pass-b");
        var (code, stdout, _) = _cli.Run("check", Path.Combine(_cli.Root, "d"));
        Assert.Equal(2, code);
        Assert.Equal([$"FAIL {bad}: steps[0].gpa: expected an address (integer or quoted hex string), got \"zz\"", "PASS pass-b", "1 passed, 1 failed"], Lines(stdout));
        Assert.Equal(["pass-b"], _cli.Executor.Runs.Select(r => r.Name));
    }

    [Fact]
    public void MissingPath_IsReportedAndCounted_Exit2()
    {
        var p = _cli.Write("p.hocon", "name = pass-p");
        var missing = Path.Combine(_cli.Root, "nope.hocon");
        var (code, stdout, _) = _cli.Run("check", missing, p);
        Assert.Equal(2, code);
        Assert.Equal([$"FAIL {missing}: no such file or directory", "PASS pass-p", "1 passed, 1 failed"], Lines(stdout));
    }

    [Fact]
    public void Json_PrintsOneObjectOnStdout_AndHumanTextOnStderr()
    {
        var f = _cli.Write("j/a.hocon", "name = fails");
        var p = _cli.Write("j/b.hocon", "name = pass-b");
        var bad = _cli.Write("j/c.hocon", "name = c\nbogus = 1");
        var (code, stdout, stderr) = _cli.Run("check", "--json", Path.Combine(_cli.Root, "j"));
        Assert.Equal(2, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(1, root.GetProperty("passed").GetInt32());
        Assert.Equal(2, root.GetProperty("failed").GetInt32());
        var s = root.GetProperty("scenarios").EnumerateArray().ToList();
        Assert.Equal(3, s.Count);
        Assert.Equal(("fails", f, false), (s[0].GetProperty("name").GetString(), s[0].GetProperty("file").GetString(), s[0].GetProperty("passed").GetBoolean()));
        Assert.Equal("steps[4].expect.faults: expected [retry, map], got [map]", s[0].GetProperty("failure").GetString());
        Assert.Equal(["stale-mapping"], s[0].GetProperty("violations").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(("pass-b", p, true), (s[1].GetProperty("name").GetString(), s[1].GetProperty("file").GetString(), s[1].GetProperty("passed").GetBoolean()));
        Assert.False(s[1].TryGetProperty("failure", out _));
        Assert.Equal(0, s[1].GetProperty("violations").GetArrayLength());
        Assert.Equal((bad, false), (s[2].GetProperty("file").GetString(), s[2].GetProperty("passed").GetBoolean()));
        Assert.StartsWith("bogus: unknown key", s[2].GetProperty("failure").GetString());
        Assert.Contains("PASS pass-b", stderr);
        Assert.Contains("1 passed, 2 failed", stderr);
    }

    [Fact]
    public void BugAndTraceOptions_ReachTheExecutor()
    {
        var p = _cli.Write("p.hocon", "name = pass-p");
        var (code, _, stderr) = _cli.Run("check", p, "--trace", "t.json");
        Assert.Equal(0, code);
        Assert.Equal("t.json", _cli.Executor.Runs.Single().Options.TracePath);
        Assert.Empty(_cli.Executor.Runs.Single().Options.ExtraBugs);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void UnknownBug_IsOneLineError_Exit2()
    {
        var p = _cli.Write("p.hocon", "name = pass-p");
        var (code, stdout, stderr) = _cli.Run("check", "--bug", "nope", p);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal(["actorkvm: error: --bug: unknown bug 'nope' (see 'actorkvm bugs')"], Lines(stderr));
    }

    [Fact]
    public void KnownButUnmodelledBug_IsOneLineError_Exit2()
    {
        var p = _cli.Write("p.hocon", "name = pass-p");
        var (code, stdout, stderr) = _cli.Run("check", "--bug", "cont-hugetlb-treated-as-thp", p);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith("actorkvm: error: --bug: bug 'cont-hugetlb-treated-as-thp' is not modelled (", line);
    }

    [Fact]
    public void ModelledBug_ReachesTheExecutor()
    {
        var p = _cli.Write("p.hocon", "name = pass-p");
        var (code, _, _) = _cli.Run("check", "--bug", "retry-ignores-in-progress", p);
        Assert.Equal(0, code);
        Assert.Equal(["retry-ignores-in-progress"], _cli.Executor.Runs.Single().Options.ExtraBugs);
    }

    [Fact]
    public void UnregisteredModelEngine_IsNotAvailable_Exit2()
    {
        _cli.ModelAvailable = false;
        var (code, _, stderr) = _cli.Run("check", _cli.Write("p.hocon", "name = pass-p"));
        Assert.Equal(2, code);
        Assert.Equal(["actorkvm: error: engine 'model' is not available"], Lines(stderr));
    }

    [Fact]
    public void ActorsEngine_IsNotAvailableYet_Exit2()
    {
        var (code, _, stderr) = _cli.Run("check", "--engine", "actors", _cli.Write("p.hocon", "name = pass-p"));
        Assert.Equal(2, code);
        Assert.Equal(["actorkvm: error: engine 'actors' is not available yet"], Lines(stderr));
    }

    [Fact]
    public void UnknownEngine_IsOneLineError_Exit2()
    {
        var (code, _, stderr) = _cli.Run("check", "--engine", "qemu", _cli.Write("p.hocon", "name = pass-p"));
        Assert.Equal(2, code);
        Assert.Single(Lines(stderr));
        Assert.StartsWith("actorkvm: error: --engine: unknown engine 'qemu'", stderr);
    }

    [Fact]
    public void QuietAndConfig_AreAccepted()
    {
        var config = _cli.Write("extra.hocon", "akka.loglevel = INFO");
        var (code, _, _) = _cli.Run("check", "--quiet", "--config", config, _cli.Write("p.hocon", "name = pass-p"));
        Assert.Equal(0, code);
    }

    [Fact]
    public void MissingConfigFile_IsOneLineError_Exit2()
    {
        var (code, _, stderr) = _cli.Run("check", "--config", "/no/such.hocon", _cli.Write("p.hocon", "name = pass-p"));
        Assert.Equal(2, code);
        Assert.Equal(["actorkvm: error: --config: no such file: /no/such.hocon"], Lines(stderr));
    }

    [Fact]
    public void TraceIntoAMissingDirectory_IsOneLineErrorBeforeAnythingRuns()
    {
        var file = _cli.Write("scenarios/one.hocon", "name = pass-one");
        var (code, stdout, stderr) = _cli.Run("check", file, "--trace", "/no/such/dir/t.json");
        Assert.Equal(2, code);
        Assert.Equal(["actorkvm: error: --trace: no such directory for /no/such/dir/t.json"], Lines(stderr));
        Assert.Empty(_cli.Executor.Runs);
        Assert.Empty(stdout);
    }

    [Fact]
    public void DefaultVerb_RunsTheStressWorkload()
    {
        var (code, stdout, stderr) = _cli.Run("--faults", "300", "--vcpus", "2", "--memory", "8M", "--json", "--quiet");
        Assert.True(code == 0, stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("faults").GetInt64() >= 300);
        Assert.False(doc.RootElement.GetProperty("deterministic").GetBoolean());
        Assert.Equal(0, doc.RootElement.GetProperty("violations").GetArrayLength());
    }
}
