using System.CommandLine;
using System.Globalization;
using ActorKvm.Engine;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;
using ActorKvm.Timing.Report;
using ActorKvm.Timing.Workloads;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>actorkvm run --modelled-time</c>: the stress workload on modelled time (<see cref="ModelledStress"/>) — per-phase
/// costs on virtual CPUs, no wall clock, no actor system — and its summary: modelled faults/s per vCPU and aggregate,
/// latency p50/p99 in modelled µs, waits per lock and for SRCU, retries by cause. The same seed and costs print the same
/// figures on any machine under any load.
/// </summary>
internal static class ModelledTimeRun
{
    /// <summary>The fault budget when <c>--faults</c> is not given.</summary>
    public const long DefaultFaults = 20_000;

    public static int Execute(ParseResult r, RunOptions o, (bool Json, bool Quiet, string? Config) common, CliIo io)
    {
        var (json, quiet, config) = common;
        var w = o.Workload;
        foreach (var (given, name) in new[] { (r.GetResult(o.Duration) is { Implicit: false }, "--duration"), (r.GetValue(w.Deterministic), "--deterministic"),
            ((r.GetValue(w.Bug) ?? []).Length > 0, "--bug"), (r.GetResult(w.Backing) is { Implicit: false }, "--backing") })
            if (given) throw new CliUserError($"{name}: not with --modelled-time (it runs by --faults on thp, anon and hugetlb-2M slots; bug switches hunt, they do not time)");
        var akka = EngineConfig.Load(config);
        var costs = ModelledTimeConfig.Costs(akka);
        var d = RunDefaults.From(akka);
        var sweep = WorkloadArgs.Given(r, w.Vcpus, CliParsers.Vcpus(d.Vcpus.ToString(CultureInfo.InvariantCulture), list: true));
        if (sweep.Count > 1) throw new CliUserError("--vcpus: run --modelled-time takes one count; compare --modelled-time sweeps");
        var memory = WorkloadArgs.Given(r, w.Memory, MemorySize.Parse(d.Memory));
        var faults = r.GetValue(w.Faults) ?? DefaultFaults;
        var seed = r.GetValue(w.Seed) ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var rate = r.GetValue(w.InvalidateRate) ?? 20_000;
        var tracePath = OptionChecks.TracePath(r.GetValue(o.Trace));
        var options = new ModelledStressOptions(sweep[0], memory.Bytes, faults, rate, WorkloadArgs.Given(r, w.DirtyLog, d.DirtyLog), Seed: seed) { Variants = VariantNames.Check(r.GetValue(w.Variant)) };
        var human = io.Human(json);
        if (!quiet)
            human.WriteLine($"actorkvm run --modelled-time: seed {seed}, {options.Vcpus} vCPUs, {memory.Text} over thp, anon, hugetlb-2M, {faults} faults, "
                + $"{rate:0} host operations per modelled second{(options.DirtyLog ? ", dirty log" : "")}{(options.Variants.On.Count > 0 ? ", variants " + string.Join('+', options.Variants.On) : "")}");
        var trace = tracePath is null ? null : new ModelledTrace();
        Timing.Machine.ModelledMachine m;
        try
        {
            m = ModelledStress.Run(options, costs, trace);
        }
        catch (ArgumentException e)
        {
            throw new CliUserError(e.Message);
        }
        var written = tracePath is null || OptionChecks.TryWrite(io, "--trace", tracePath, () =>
        {
            using var f = File.Create(tracePath);
            trace!.Write(f);
        });
        ModelledSummary.Write(human, m);
        if (json) JsonOut.Write(io.Out, new ModelledRunSummary(seed, options.Vcpus, ModelledFigures.Of(m)), SummaryJson.Default.ModelledRunSummary);
        if (!written) return ExitCodes.BadInput;
        return m.Kvm.Oracle.Violations.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
