using System.Globalization;
using ActorKvm.Model.Variants;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;
using ActorKvm.Timing.Machine;
using ActorKvm.Timing.Report;
using ActorKvm.Timing.Workloads;
using Akka.Configuration;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>compare --variant NAME --modelled-time</c>: the modelled-time stress workload (<see cref="ModelledStress"/>) with the
/// same seeds with and without the variant, at each vCPU count: modelled faults/s, fault latency in modelled µs, time
/// waited per lock and for SRCU per fault, retries per fault and why, violations. The same command prints the same
/// numbers on any machine.
/// </summary>
internal static class ModelledTimeCompare
{
    public static int Execute(Config akka, VariantSet with, VariantSet without, IReadOnlyList<int> counts, ulong first, int seeds, ulong bytes, long faults,
        (bool Json, bool Quiet) common, CliIo io)
    {
        var costs = ModelledTimeConfig.Costs(akka);
        var human = io.Human(common.Json);
        var both = new VariantSet(without.On.Concat(with.On));
        var label = string.Join('+', with.On);
        var baseLabel = without.On.Count == 0 ? "baseline" : $"baseline ({string.Join('+', without.On)})";
        var results = new List<(int Vcpus, List<ModelledMachine> Base, List<ModelledMachine> Variant)>();
        foreach (var c in counts)
        {
            List<ModelledMachine> Measure(VariantSet set) =>
                [.. Enumerable.Range(0, seeds).Select(i => ModelledStress.Run(new ModelledStressOptions(c, bytes, faults, Seed: first + (ulong)i) { Variants = set }, costs))];
            var b = Measure(without);
            var v = Measure(both);
            results.Add((c, b, v));
            human.WriteLine($"{c} vCPUs, seeds {first}..{first + (ulong)seeds - 1}, {faults} faults each, modelled time");
            var rows = new List<(string What, string Base, string Variant)>
            {
                ("faults/s (modelled, aggregate)", F0(b.Average(ModelledSummary.FaultsPerSecond)), F0(v.Average(ModelledSummary.FaultsPerSecond))),
                ("fault latency p50 / p99 (µs)", Latency(b), Latency(v)),
                ("mmu_lock read wait per fault (µs)", Wait(b, "mmu_lock (read)"), Wait(v, "mmu_lock (read)")),
                ("mmu_lock write wait per fault (µs)", Wait(b, "mmu_lock (write)"), Wait(v, "mmu_lock (write)")),
                ("SRCU wait per fault (µs)", Wait(b, "synchronize_srcu"), Wait(v, "synchronize_srcu")),
                ("invalidation wait per fault (µs)", Wait(b, "invalidation in progress"), Wait(v, "invalidation in progress")),
                ("retries per fault", Retries(b), Retries(v)),
                ("violations", $"{b.Sum(m => m.Kvm.Oracle.Violations.Count)}", $"{v.Sum(m => m.Kvm.Oracle.Violations.Count)}"),
            };
            SideBySide.Write(human, baseLabel, label, rows);
        }
        static double P99(List<ModelledMachine> ms) => Math.Round(ms.Average(m => m.Metrics.LatencyQuantile(0.99)) / 1000, 3);
        if (common.Json) JsonOut.Write(io.Out, new ModelledCompareSummary(label, true, [.. results.Select(x => new ModelledComparison(x.Vcpus,
            Math.Round(x.Base.Average(ModelledSummary.FaultsPerSecond)), Math.Round(x.Variant.Average(ModelledSummary.FaultsPerSecond)), P99(x.Base), P99(x.Variant)))]),
            SummaryJson.Default.ModelledCompareSummary);
        return results.All(x => x.Base.Concat(x.Variant).All(m => m.Kvm.Oracle.Violations.Count == 0)) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string F0(double x) => x.ToString("0", CultureInfo.InvariantCulture);

    private static string Latency(List<ModelledMachine> ms) =>
        string.Create(CultureInfo.InvariantCulture, $"{ms.Average(m => m.Metrics.LatencyQuantile(0.5)) / 1000:0.000} / {ms.Average(m => m.Metrics.LatencyQuantile(0.99)) / 1000:0.000}");

    private static string Wait(List<ModelledMachine> ms, string what)
    {
        var faults = ms.Sum(m => m.Metrics.Faults);
        var ns = ms.Sum(m => m.Metrics.Waits.TryGetValue(what, out var x) ? x.Ns : 0);
        return (faults == 0 ? 0 : ns / faults / 1000).ToString("0.000", CultureInfo.InvariantCulture);
    }

    private static string Retries(List<ModelledMachine> ms)
    {
        var faults = ms.Sum(m => m.Metrics.Faults);
        var r = ms.Sum(m => m.Kvm.RetryCauses.InProgress + m.Kvm.RetryCauses.SequenceMoved);
        var ip = ms.Sum(m => m.Kvm.RetryCauses.InProgress);
        var sm = ms.Sum(m => m.Kvm.RetryCauses.SequenceMoved);
        return string.Create(CultureInfo.InvariantCulture, $"{(faults == 0 ? 0 : (double)r / faults):0.000} (in progress {ip}, seq moved {sm})");
    }
}
