using System.CommandLine;
using ActorKvm.Engine;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary><c>actorkvm run</c>: the built-in stress workload on the free-running actor engine.</summary>
internal static class RunVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var vcpus = new Option<int>("--vcpus") { Description = "vCPU actors", DefaultValueFactory = _ => 4 };
        var duration = new Option<string>("--duration") { Description = "Wall-clock length, e.g. 10s", DefaultValueFactory = _ => "10s" };
        var faults = new Option<long?>("--faults") { Description = "Stop after N handled faults" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the workload's choices (default: random, always printed)" };
        var memory = new Option<string>("--memory") { Description = "Guest memory, e.g. 1G (sparse)", DefaultValueFactory = _ => "64M" };
        var backing = new Option<string[]>("--backing") { Description = "One slot per backing (repeatable): thp, anon, hugetlb-2M, ...", AllowMultipleArgumentsPerToken = false };
        var bug = new Option<string[]>("--bug") { Description = "Turn a bug switch on (repeatable)" };
        var deterministic = new Option<bool>("--deterministic") { Description = "Run on the seeded single-threaded dispatcher" };
        var command = new Command("run", "Run the built-in stress workload on the actor engine") { vcpus, duration, faults, seed, memory, backing, bug, deterministic };
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            if (r.GetValue(deterministic)) throw new CliUserError("--deterministic: the seeded dispatcher is not available yet");
            var n = r.GetValue(vcpus);
            if (n is < 1 or > 4096) throw new CliUserError($"--vcpus: expected 1..4096, got {n}");
            var time = DurationParser.Parse("--duration", r.GetValue(duration)!);
            var memText = r.GetValue(memory)!;
            if (!ScenarioValues.TryParseSize(memText, out var bytes) || bytes < 2UL << 20)
                throw new CliUserError($"--memory: expected a size of at least 2M such as 1G, got '{memText}'");
            var backings = (r.GetValue(backing) ?? []).Select(b => BackingKindExtensions.Parse(b) ?? throw new CliUserError(
                $"--backing: unknown backing '{b}' (expected one of {string.Join(", ", BackingKindExtensions.Names.Select(x => x.Name))})")).ToList();
            var bugs = r.GetValue(bug) ?? [];
            foreach (var b in bugs)
            {
                if (!BugCatalog.IsKnown(b)) throw new CliUserError($"--bug: unknown bug '{b}' (see 'actorkvm bugs')");
                if (BugCatalog.Find(b) is { NotModelled: { } why }) throw new CliUserError($"--bug: bug '{b}' is not modelled ({why})");
            }
            var maxFaults = r.GetValue(faults) ?? long.MaxValue;
            if (maxFaults < 1) throw new CliUserError($"--faults: expected a positive count, got {maxFaults}");
            var theSeed = r.GetValue(seed) ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);

            var options = new WorkloadOptions(n, bytes, backings.Count == 0 ? null : backings, Seed: theSeed, MaxFaults: maxFaults);
            var human = io.Human(json);
            if (!quiet) human.WriteLine($"actorkvm run: seed {theSeed}, {n} vCPUs, {memText} over {string.Join(", ", options.EffectiveBackings.Select(b => b.ToScenarioName()))}, {time.TotalSeconds:0.#}s");
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            StressResult result;
            try
            {
                result = StressRun.Run(options, time, EngineConfig.Load(config), new BugSet(bugs), cts.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            RunReport.Write(result, theSeed, io, json);
            return result.Violations.Count == 0 && result.OutstandingFaultRefs == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
