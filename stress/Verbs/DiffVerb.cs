using System.CommandLine;
using System.Diagnostics;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Diff;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>diff [FILE|DIR ...] [--kernel IMAGE] [--random N --seed S]</c>: runs the eligible scenarios on a real arm64 KVM
/// (one QEMU boot, see <c>kvm/</c>) and on the model, and compares every observation step by step. Exit 0 all
/// agree, 1 a disagreement, 2 bad input or set-up missing.
/// </summary>
internal static class DiffVerb
{
    public static Command Create(CommonOptions common, CliIo io, CliContext context)
    {
        var paths = new Argument<string[]>("paths") { Arity = ArgumentArity.ZeroOrMore, HelpName = "FILE|DIR", Description = "Scenario files or directories (default: the shipped scenarios, unless --random is given)" };
        var kernel = new Option<string?>("--kernel") { Description = "Boot this arm64 kernel image instead of the one kvm/setup.sh fetched", HelpName = "IMAGE" };
        var random = new Option<int>("--random") { Description = "Also diff N random single-threaded op sequences (the property tests' generators)", HelpName = "N" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the random sequences (default: random, always printed)" };
        var console = new Option<string?>("--console") { Description = "Compare with a saved console log of an earlier boot (kvm/.cache/last-console.log) instead of booting", HelpName = "FILE" };
        var command = new Command("diff", "Run the eligible scenarios on a real arm64 KVM under QEMU and on the model; compare every observation") { paths, kernel, random, seed, console };
        command.SetAction(r =>
        {
            var (json, _, _) = common.Read(r);
            var n = r.GetValue(random);
            if (n < 0) throw new CliUserError($"--random: must be 0 or more, got {n}");
            var given = r.GetValue(paths) ?? [];
            IReadOnlyList<string> inputs = given.Length > 0 ? given : n > 0 ? [] : [context.DefaultScenariosDirectory];
            var s = r.GetValue(seed) ?? (ulong)Random.Shared.NextInt64(1, int.MaxValue);
            var saved = r.GetValue(console);
            if (saved is not null && !File.Exists(saved)) throw new CliUserError($"--console: no such file: {saved}");
            return Execute(inputs, r.GetValue(kernel), n, s, saved, json, io, context);
        });
        return command;
    }

    private static int Execute(IReadOnlyList<string> inputs, string? kernel, int random, ulong seed, string? console, bool json, CliIo io, CliContext context)
    {
        var root = context.RepositoryRoot
            ?? throw new CliUserError("set-up missing: diff runs inside an ActorKvm checkout (its kvm/ folder); run kvm/setup.sh there");
        var harness = KvmHarness.Open(root, kernel);
        var report = new DiffReport(io.Human(json), harness.Version);
        var items = new List<(ScenarioDefinition Scenario, bool Random)>();
        foreach (var path in inputs)
        {
            IReadOnlyList<ScenarioLoadResult> loaded =
                Directory.Exists(path) ? ScenarioLoader.LoadDirectory(path)
                : File.Exists(path) ? [ScenarioLoader.LoadFile(path)]
                : [ScenarioLoadResult.Failed(new ScenarioError(path, "", "no such file or directory"))];
            foreach (var result in loaded)
            {
                if (result.Scenario is { } sc) items.Add((sc, false));
                else report.Malformed(result.Error!.ToString());
            }
        }
        if (random > 0) report.Note($"random sequences: {random}, seed {seed}");
        for (var i = 0; i < random; i++)
        {
            var (slots, ops) = RandomScenario.Generate(seed, i);
            var name = $"random-{seed}-{i}";
            var loaded = ScenarioLoader.LoadText(RandomScenario.ToJson(name, slots, ops, RandomScenario.NotOnRealKernel), name + ".json");
            if (loaded.Scenario is { } sc) items.Add((sc, true));
            else report.Malformed(loaded.Error!.ToString());
        }
        var eligible = new List<(ScenarioDefinition Scenario, bool Random)>();
        foreach (var item in items)
        {
            if (DiffEligibility.WhyNot(item.Scenario, harness.Version) is { } why) report.Skip(item.Scenario.Name, why);
            else eligible.Add(item);
        }
        if (eligible.Count > 0)
        {
            var clock = Stopwatch.StartNew();
            var opList = string.Concat(eligible.Select(e => OpListExport.Export(e.Scenario)));
            IReadOnlyList<string> lines;
            try
            {
                lines = console is not null
                    ? KvmHarness.SavedLines(console)
                    : harness.Boot(opList, eligible.Count, eligible.Sum(e => e.Scenario.Steps.Count)).Lines;
            }
            catch (DiffBootError e)
            {
                io.Err.WriteLine($"actorkvm: error: {e.Message}");
                return ExitCodes.BadInput;
            }
            report.Seconds = clock.Elapsed.TotalSeconds;
            var machine = KvmHarness.Features(lines);
            report.Machine = machine;
            var blocks = KvmHarness.Scenarios(lines);
            if (blocks.Count != eligible.Count)
            {
                io.Err.WriteLine($"actorkvm: error: the runner reported {blocks.Count} scenarios of {eligible.Count} (console: {Path.Combine(harness.Cache, "last-console.log")})");
                return ExitCodes.BadInput;
            }
            for (var i = 0; i < eligible.Count; i++)
            {
                var (sc, isRandom) = eligible[i];
                var kernelObs = KernelObservations.Read(sc, blocks[i]);
                IReadOnlyList<Observation> modelObs;
                try
                {
                    modelObs = ModelObservations.Observe(ModelObservations.OnMachine(sc, machine));
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    modelObs = [new Observation("model", $"internal error: {e.Message.ReplaceLineEndings(" ")}")];
                }
                var difference = ObservationComparer.FirstDifference(kernelObs, modelObs);
                string? saved = null;
                if (difference is not null && isRandom)
                {
                    saved = Path.GetFullPath($"actorkvm-diff-{sc.Name}.json");
                    var (slots, ops) = RandomScenario.Generate(seed, int.Parse(sc.Name.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture));
                    File.WriteAllText(saved, RandomScenario.ToJson(sc.Name, slots, ops, RandomScenario.NotOnRealKernel));
                }
                report.Compared(sc.Name, difference, Math.Max(kernelObs.Count, modelObs.Count), saved);
            }
        }
        report.WriteSummary();
        if (json) report.WriteJson(io.Out);
        return report.MalformedCount > 0 ? ExitCodes.BadInput : report.Disagree > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
