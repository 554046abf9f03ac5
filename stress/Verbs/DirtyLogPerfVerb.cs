using System.CommandLine;
using System.Globalization;
using ActorKvm.Engine;
using ActorKvm.Model.Host;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;
using ActorKvm.Timing.Paper;
using ActorKvm.Timing.Report;
using ActorKvm.Timing.Workloads;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>actorkvm dirty-log-perf</c>: a <c>dirty_log_perf_test</c>-style run on modelled time (<see cref="DirtyLogPerf"/>),
/// with the selftest's knobs and report; <c>--paper NAME</c> reproduces a published table as before/after ratios.
/// </summary>
internal static class DirtyLogPerfVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var vcpus = new Option<string>("-v") { Description = "vCPUs (a list such as 1,4,8 runs each in turn)", DefaultValueFactory = _ => "1", HelpName = "N[,N...]" };
        var bytes = new Option<string>("-b") { Description = "Guest memory per vCPU (a multiple of 2M; the model is scaled down from the selftest's 1G default)", DefaultValueFactory = _ => "64M" };
        var backing = new Option<string>("-s") { Description = "Backing: anonymous, anonymous_thp, anonymous_hugetlb_2mb", DefaultValueFactory = _ => "anonymous_thp" };
        var iterations = new Option<int>("-i") { Description = "Dirty passes after enabling dirty logging", DefaultValueFactory = _ => 2 };
        var write = new Option<int>("-w") { Description = "Percent of accesses that write", DefaultValueFactory = _ => 100 };
        var random = new Option<bool>("-a") { Description = "Random access (default sequential)" };
        var eager = new Option<bool>("-e", "--eager-split") { Description = "Eager split on (KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE = 2M)" };
        var stride = new Option<string>("--stride") { Description = "One access per STRIDE bytes (2M: sparse writes, one per block)", DefaultValueFactory = _ => "4K" };
        var seed = new Option<ulong>("--seed") { Description = "Seed (ties between equal modelled times, random access)", DefaultValueFactory = _ => 1 };
        var paper = new Option<string?>("--paper") { Description = "Reproduce a published table as ratios: parallel-faults or eager-split (-v, -b apply; the rest is the paper's)", HelpName = "NAME" };
        var variant = Cli.VariantNames.Option();
        var command = new Command("dirty-log-perf", "A dirty_log_perf_test-style run in modelled time: populate, enable dirty logging, dirty passes with get, disable")
            { vcpus, bytes, backing, iterations, write, random, eager, stride, seed, paper, variant };
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            var costs = ModelledTimeConfig.Costs(EngineConfig.Load(config));
            var human = io.Human(json);
            var counts = CliParsers.Vcpus(r.GetValue(vcpus)!, list: true);
            var given = r.GetResult(bytes) is { Implicit: false };
            var b = Size("-b", r.GetValue(bytes)!);
            if (r.GetValue(paper) is { } name)
            {
                Action<string>? progress = quiet ? null : s => io.Err.WriteLine($"actorkvm dirty-log-perf: {s}");
                var table = name switch
                {
                    "parallel-faults" => Reproductions.ParallelFaults(costs, given ? b : Reproductions.ParallelFaultsDefaultBytes,
                        r.GetResult(vcpus) is { Implicit: false } ? counts : [.. PublishedTables.ParallelFaultsDirty.Select(p => p.Vcpus)], r.GetValue(seed), progress),
                    "eager-split" => Reproductions.EagerSplit(costs, given ? b : Reproductions.EagerSplitDefaultBytes,
                        r.GetResult(vcpus) is { Implicit: false } ? counts : [.. PublishedTables.EagerSplitPass.Select(p => p.Vcpus)], r.GetValue(seed), progress),
                    _ => throw new CliUserError($"--paper: expected parallel-faults or eager-split, got '{name}'"),
                };
                Reproductions.Write(human, table);
                if (json) JsonOut.Write(io.Out, new PaperSummary(table.Table, table.Calibration, [.. table.Rows.Select(x => new PaperRow(x.Quantity, x.Vcpus,
                    Math.Round(x.ModelBefore, 4), Math.Round(x.ModelAfter, 4), Math.Round(x.ModelRatio, 3), x.Published is { } p ? Math.Round(p.Ratio, 3) : null))]),
                    SummaryJson.Default.PaperSummary);
                return ExitCodes.Ok;
            }
            var kind = r.GetValue(backing) switch
            {
                "anonymous" => BackingKind.Anon,
                "anonymous_thp" => BackingKind.Thp,
                "anonymous_hugetlb" or "anonymous_hugetlb_2mb" => BackingKind.Hugetlb2M,
                var other => throw new CliUserError($"-s: expected anonymous, anonymous_thp or anonymous_hugetlb_2mb, got '{other}'"),
            };
            var variants = Cli.VariantNames.Check(r.GetValue(variant));
            foreach (var n in counts)
            {
                var o = new DirtyLogPerfOptions(n, b, kind, r.GetValue(iterations), r.GetValue(write), r.GetValue(random), r.GetValue(eager),
                    Size("--stride", r.GetValue(stride)!), r.GetValue(seed))
                { Variants = variants };
                DirtyLogPerfResult res;
                try
                {
                    res = DirtyLogPerf.Run(o, costs);
                }
                catch (ArgumentException e)
                {
                    throw new CliUserError(e.Message);
                }
                human.WriteLine($"dirty-log-perf: -v {n} -b {r.GetValue(bytes)} -s {r.GetValue(backing)} -i {o.Iterations} -w {o.WritePercent}{(o.RandomAccess ? " -a" : "")}"
                    + $"{(o.EagerSplit ? " --eager-split" : "")} --stride {r.GetValue(stride)}{(variants.On.Count > 0 ? " --variant " + string.Join('+', variants.On) : "")} (modelled time)");
                human.WriteLine($"Populate memory time: {Sec(res.PopulateNs)}");
                human.WriteLine($"Enabling dirty logging time: {Sec(res.EnableNs)}");
                for (var i = 0; i < res.PassNs.Count; i++)
                    human.WriteLine($"Iteration {i + 1} dirty memory time: {Sec(res.PassNs[i])}, get dirty log time: {Sec(res.GetNs[i])}");
                human.WriteLine($"Disabling dirty logging time: {Sec(res.DisableNs)}");
                ModelledSummary.Write(human, res.Machine);
                if (json) JsonOut.Write(io.Out, new DirtyLogPerfSummary(n, Math.Round(res.PopulateNs), Math.Round(res.EnableNs), [.. res.PassNs.Select(p => Math.Round(p))],
                    [.. res.GetNs.Select(p => Math.Round(p))], Math.Round(res.DisableNs), ModelledFigures.Of(res.Machine)), SummaryJson.Default.DirtyLogPerfSummary);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Sec(double ns) => (ns / 1e9).ToString("0.000000", CultureInfo.InvariantCulture) + "s";

    private static ulong Size(string option, string text) =>
        ScenarioValues.TryParseSize(text, out var v) && v > 0 ? v : throw new CliUserError($"{option}: expected a size such as 64M, got '{text}'");
}
