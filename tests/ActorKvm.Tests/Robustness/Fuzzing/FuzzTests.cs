using System.IO.Compression;
using System.Text;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Tests.Cli;
using CsCheck;
using Xunit.Abstractions;

namespace ActorKvm.Tests.Robustness.Fuzzing;

/// <summary>
/// The fuzzer (issue 15): grammar-aware scenario files, byte mutations of the shipped scenarios and of schedule files,
/// and option values, against <see cref="FuzzOracle"/>. CI runs a short fixed-seed, fixed-budget pass; the long run is
/// <c>ACTORKVM_FUZZ_INPUTS=100000 nice -n 10 dotnet test ActorKvm.sln --filter FullyQualifiedName~Fuzzing</c>
/// (<c>ACTORKVM_FUZZ_SEED</c> picks another seed). Inputs are split 30/20/30/10/10 over generated, shaped and mutated scenarios, schedules and option values.
/// </summary>
public class FuzzTests(ITestOutputHelper output)
{
    private static int Total => int.TryParse(Environment.GetEnvironmentVariable("ACTORKVM_FUZZ_INPUTS"), out var n) && n > 0 ? n : 600;
    private static ulong Seed => ulong.TryParse(Environment.GetEnvironmentVariable("ACTORKVM_FUZZ_SEED"), out var s) ? s : 1;

    private void Report(string kind, int inputs, List<string> findings)
    {
        output.WriteLine($"{kind}: {inputs} inputs, seed {Seed}, {findings.Count} findings");
        // Every distinct first line, so a long run's output shows each kind of finding, not the first three.
        foreach (var line in findings.Select(f => f.Split('\n')[0]).Distinct().Take(100)) output.WriteLine("  " + line);
        Assert.True(findings.Count == 0, $"{kind}: {findings.Count} findings, first: {string.Join("\n---\n", findings.Take(3))}");
    }

    private static IEnumerable<T> Generate<T>(Gen<T> gen, int count, uint stream)
    {
        var pcg = new PCG(stream, Seed);
        for (var i = 0; i < count; i++) yield return gen.Generate(pcg, null, out _);
    }

    [Fact]
    public void GeneratedScenarios_MeetTheOracle()
    {
        var count = Total * 3 / 10;
        var findings = new List<string>();
        foreach (var text in Generate(ScenarioGrammar.Scenario, count, 1))
            if (FuzzOracle.CheckScenario(text) is { } f) findings.Add(f + "\n" + text);
        Report("generated scenarios", count, findings);
    }

    [Fact]
    public void ShapedScenarios_RunOnTheModel_AndMeetTheOracle()
    {
        // Valid most of the time, so the model's steps (not only the loader) meet hostile sizes, addresses and orders.
        var count = Total * 2 / 10;
        var findings = new List<string>();
        var ran = 0;
        foreach (var text in Generate(ScenarioGrammar.ShapedScenario, count, 5))
        {
            if (FuzzOracle.CheckScenario(text, out var r) is { } f) findings.Add(f + "\n" + text);
            if (r) ran++;
        }
        output.WriteLine($"shaped scenarios: {ran} of {count} loaded and ran on the model");
        // A generator that stops reaching the model would test nothing: most of its scenarios must load.
        Assert.True(ran * 2 > count, $"only {ran} of {count} shaped scenarios loaded");
        Report("shaped scenarios", count, findings);
    }

    [Fact]
    public void MutatedShippedScenarios_MeetTheOracle()
    {
        var count = Total * 3 / 10;
        var seeds = Directory.EnumerateFiles(Support.RepoPaths.Scenarios, "*.hocon", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes).ToList();
        var rng = new Random((int)Seed);
        var findings = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var mutant = Encoding.UTF8.GetString(ByteMutator.Mutate(seeds[rng.Next(seeds.Count)], rng));
            if (FuzzOracle.CheckScenario(mutant) is { } f) findings.Add(f + "\n" + mutant);
        }
        Report("mutated scenarios", count, findings);
    }

    /// <summary>A plausible recorded schedule's text (the header <c>run</c> writes, then entries).</summary>
    private static string ScheduleText(Random rng) =>
        "actorkvm-schedule 2 free-running\nvcpus 2\nmemory 16777216\nbackings default\nmte false\nprotected false\nnested false\n"
        + "map-fixed-replace false\nseed 1\ninvalidate-every 16\ninvalidate-rate 0\ndirty-log true\nmemslot-churn true\n"
        + "max-faults 200\nbugs \nprefix true\nfirst-violation-delivery -1\nfirst-violation \n"
        + $"entries 64\n{string.Join(' ', Enumerable.Range(0, 64).Select(_ => rng.Next(0, 8)))}\n";

    [Fact]
    public void MutatedScheduleFiles_AreOneLineErrorsOrReplays()
    {
        var count = Total / 10;
        var rng = new Random((int)Seed + 7);
        using var cli = new CliHarness();
        var findings = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var text = Encoding.UTF8.GetBytes(ScheduleText(rng));
            var path = Path.Combine(cli.Root, "f.schedule");
            using (var file = File.Create(path))
            using (var gz = new GZipStream(file, CompressionLevel.Fastest))
                gz.Write(rng.Next(2) == 0 ? ByteMutator.Mutate(text, rng) : text);
            if (rng.Next(3) == 0) File.WriteAllBytes(path, ByteMutator.Mutate(File.ReadAllBytes(path), rng)); // damage the gzip itself
            try
            {
                var (code, _, err) = cli.Run("replay", "--schedule", path);
                var lines = CliHarness.Lines(err);
                if (code is not (0 or 1 or 2)) findings.Add($"exit {code}: {err}");
                else if (code == 2 && lines.Length != 1) findings.Add($"{lines.Length} stderr lines: {err}");
                else if (lines.Select(l => FuzzOracle.CheckLine("stderr", l)).FirstOrDefault(x => x is not null) is { } bad) findings.Add(bad);
            }
            catch (Exception e)
            {
                findings.Add($"threw {e.GetType().Name}: {e.Message}");
            }
        }
        Report("mutated schedules", count, findings);
    }

    private static readonly Gen<string> BadValue = Gen.OneOf(
        ScenarioGrammar.Number, ScenarioGrammar.Size,
        Gen.OneOf("", "-", "--", "1e300s", "-1s", "0s", "99999999999999999999ms", "NaN", "10", "1s", "2", "abc", "\u001b[31m", "/dev/full", "/dev/zero", "/"));

    private static readonly Gen<string[]> Args = Gen.Select(
        Gen.OneOf("run", "hunt", "replay", "check", "scenarios", "bugs"),
        Gen.OneOf("--vcpus", "--memory", "--faults", "--seed", "--duration", "--budget", "--invalidate-every", "--invalidate-rate",
            "--backing", "--bug", "--trace", "--strategy", "--depth", "--schedule-dir", "--config", "--engine", "--record", "--mte", "--schedule"),
        BadValue,
        string[] (string verb, string option, string value) => verb switch
        {
            // Bound the work whatever the fuzzed option is: deterministic runs with few faults, a one-schedule hunt.
            "run" => ["run", "--deterministic", "--faults", option == "--faults" ? value : "20", "--quiet", option, value],
            "hunt" => ["hunt", "--budget", option == "--budget" ? value : "1", "--faults", option == "--faults" ? value : "20", option, value],
            "replay" => ["replay", "--seed", "1", "--faults", option == "--faults" ? value : "20", option, value],
            "check" => ["check", Path.Combine(Support.RepoPaths.Scenarios, "migrate-before-pin-remaps-new-page.hocon"), option, value],
            _ => [verb, option, value],
        });

    [Fact]
    public void OptionValues_AreExit012WithOneLine()
    {
        var count = Total / 10;
        using var cli = new CliHarness();
        var findings = new List<string>();
        foreach (var args in Generate(Args, count, 3))
        {
            if (args.Contains("--faults") && args.SkipWhile(a => a != "--faults").Skip(1).First() is var f && long.TryParse(f, out var n) && n > 10_000) continue;
            if (args is ["hunt", ..] && args.SkipWhile(a => a != "--budget").Skip(1).First() is var b && (b.EndsWith('s') || b.Length > 3 && long.TryParse(b, out _))) continue;
            try
            {
                var (code, _, err) = cli.Run(args);
                var lines = CliHarness.Lines(err);
                if (code is not (0 or 1 or 2)) findings.Add($"{string.Join(' ', args)}: exit {code}");
                else if (code == 2 && (lines.Length != 1 || !lines[0].StartsWith("actorkvm: error: ", StringComparison.Ordinal)))
                    findings.Add($"{string.Join(' ', args)}: stderr {err}");
                else if (lines.Select(l => FuzzOracle.CheckLine("stderr", l)).FirstOrDefault(x => x is not null) is { } bad) findings.Add($"{string.Join(' ', args)}: {bad}");
            }
            catch (Exception e)
            {
                findings.Add($"{string.Join(' ', args)}: threw {e.GetType().Name}: {e.Message}");
            }
        }
        Report("option values", count, findings);
    }

    [Fact(Timeout = 300000)]
    public async Task RealProcesses_ExitWith012AndOneStderrLine()
    {
        // Exit codes and streams as a shell sees them, for a few mutants (the in-process checks cover the many).
        var rng = new Random((int)Seed + 11);
        var seed = File.ReadAllBytes(Path.Combine(Support.RepoPaths.Scenarios, "migrate-before-pin-remaps-new-page.hocon"));
        using var cli = new CliHarness();
        var findings = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var path = Path.Combine(cli.Root, $"m{i}.hocon");
            File.WriteAllBytes(path, ByteMutator.Mutate(seed, rng));
            var (code, stdout, err) = await Task.Run(() => ProcessCli.Shell($"\"$ACTORKVM\" check {ProcessCli.Q(path)}"));
            if (code is not (0 or 1 or 2)) findings.Add($"exit {code}: {err}");
            if (err.Contains("   at ", StringComparison.Ordinal)) findings.Add("stack trace: " + err);
            if (code == 2 && !stdout.Contains($"FAIL {path}", StringComparison.Ordinal)) findings.Add("bad file not named: " + stdout);
        }
        Report("real processes", 6, findings);
    }
}
