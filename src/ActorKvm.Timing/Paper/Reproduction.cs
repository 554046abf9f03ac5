using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Variants;
using ActorKvm.Timing.Costs;
using ActorKvm.Timing.Workloads;

namespace ActorKvm.Timing.Paper;

/// <summary>One row of a reproduced table: the published before/after next to the model's (scaled to the paper's size).</summary>
public sealed record RatioRow(string Quantity, int Vcpus, PublishedPoint? Published, double ModelBefore, double ModelAfter)
{
    /// <summary>The model's before / after.</summary>
    public double ModelRatio => ModelBefore / ModelAfter;
    /// <summary>Model ratio / published ratio − 1 (null where nothing was published).</summary>
    public double? Deviation => Published is { } p ? ModelRatio / p.Ratio - 1 : null;
}

/// <summary>A reproduced table: its rows and how the costs were calibrated.</summary>
public sealed record Reproduction(string Table, string Unit, string Calibration, IReadOnlyList<RatioRow> Rows);

/// <summary>
/// Reproduces the shape of the two published tables (<see cref="PublishedTables"/>) as before/after ratios: the costs
/// are calibrated once from the 1-vCPU rows (<see cref="Calibrate"/>), then every vCPU count runs with those costs and
/// nothing else changes — no per-point tuning. Runs are scaled down (bytes per vCPU) to fit a small machine; times are
/// reported scaled back up to the paper's size (the model's per-fault costs do not depend on the size).
/// </summary>
public static class Reproductions
{
    /// <summary>Default bytes per vCPU of the parallel-faults reproduction (the paper: 4 GiB).</summary>
    public const ulong ParallelFaultsDefaultBytes = 32UL << 20;
    /// <summary>Default bytes per vCPU of the eager-split reproduction (the paper: 1 GiB).</summary>
    public const ulong EagerSplitDefaultBytes = 32UL << 20;

    /// <summary>The parallel-faults table (populate and dirty time, write-side vs read-side faults).</summary>
    public static Reproduction ParallelFaults(ModelledCosts defaults, ulong bytesPerVcpu, IReadOnlyList<int> vcpus, ulong seed = 1, Action<string>? progress = null)
    {
        var writeLock = new VariantSet(["fault-write-lock"]);
        DirtyLogPerfResult Run(ModelledCosts c, int n, bool before) =>
            DirtyLogPerf.Run(new DirtyLogPerfOptions(n, bytesPerVcpu, BackingKind.Thp, Iterations: 1, Seed: seed) { Variants = before ? writeLock : VariantSet.None }, c);
        var pages = bytesPerVcpu / Sizes.PageSize;
        var blocks = bytesPerVcpu / Sizes.PmdSize;
        var dirty1 = PublishedTables.ParallelFaultsDirty[0];
        var pop1 = PublishedTables.ParallelFaultsPopulate[0];
        var paperPages = PublishedTables.ParallelFaultsBytes / Sizes.PageSize;
        var paperBlocks = PublishedTables.ParallelFaultsBytes / Sizes.PmdSize;
        // 1. The fault path's CPU-local costs, from the 1-vCPU dirty time (mean of before and after: one machine, one set).
        var dirtyTarget = (dirty1.Before + dirty1.After) / 2 / paperPages * 1e9;
        var costs = Calibrate(Means(defaults), c => Run(c, 1, false).PassNs[0] / pages, dirtyTarget, [.. ModelledCosts.LocalKeys.Except(["map-2m", "map-1g"])], []);
        // 2. The 2 MiB populate fault's streaming (clean of the block + clearing of the folio: assumed equal), from the 1-vCPU populate time.
        var popTarget = (pop1.Before + pop1.After) / 2 / paperBlocks * 1e9;
        costs = Calibrate(costs, c => Run(c, 1, false).PopulateNs / blocks, popTarget, ["map-2m"], ["core-bandwidth"])
            .With([new("phase-variation", defaults["phase-variation"])]);
        var calibration = $"fault path's CPU-local costs × {costs["fault-exit"] / defaults["fault-exit"]:0.000} from the 1-vCPU dirty time ({dirtyTarget:0} ns/page); "
            + $"map-2m = {costs["map-2m"] / 1000:0.0} µs and core-bandwidth = {costs["core-bandwidth"]:0.0} GB/s from the 1-vCPU populate time ({popTarget / 1000:0.0} µs per 2M fault); "
            + $"machine parameters as configured (lock-line-bounce {costs["lock-line-bounce"]} ns, tlbi-broadcast {costs["tlbi-broadcast"]} ns, machine-bandwidth {costs["machine-bandwidth"]} GB/s); "
            + $"fitted with every phase at its mean, rows run with phase-variation {costs["phase-variation"]}";
        var rows = new List<RatioRow>();
        var scale = (double)PublishedTables.ParallelFaultsBytes / bytesPerVcpu / 1e9;
        foreach (var n in vcpus)
        {
            progress?.Invoke($"parallel-faults: {n} vCPUs");
            var b = Run(costs, n, true);
            var a = Run(costs, n, false);
            rows.Add(new RatioRow("populate", n, PublishedTables.ParallelFaultsPopulate.FirstOrDefault(p => p.Vcpus == n) is { Vcpus: > 0 } pp ? pp : null, b.PopulateNs * scale, a.PopulateNs * scale));
            rows.Add(new RatioRow("dirty", n, PublishedTables.ParallelFaultsDirty.FirstOrDefault(p => p.Vcpus == n) is { Vcpus: > 0 } pd ? pd : null, b.PassNs[0] * scale, a.PassNs[0] * scale));
        }
        return new Reproduction("parallel stage-2 faults: write-side (before) vs read-side (after) mmu_lock, anonymous_thp", "s", calibration, rows);
    }

    /// <summary>The eager-split table (per-pass time of sparse 2M-stride writes without vs with eager split, 2M hugetlb).</summary>
    public static Reproduction EagerSplit(ModelledCosts defaults, ulong bytesPerVcpu, IReadOnlyList<int> vcpus, ulong seed = 1, Action<string>? progress = null)
    {
        DirtyLogPerfResult Run(ModelledCosts c, int n, bool eager) =>
            DirtyLogPerf.Run(new DirtyLogPerfOptions(n, bytesPerVcpu, BackingKind.Hugetlb2M, Iterations: 1, EagerSplit: eager, Stride: Sizes.PmdSize, Seed: seed), c);
        var writes = bytesPerVcpu / Sizes.PmdSize;
        var paperWrites = PublishedTables.EagerSplitBytes / Sizes.PmdSize;
        var p1 = PublishedTables.EagerSplitPass[0];
        // 1. The fault path's CPU-local costs, from the 1-vCPU pass with eager split (every write a permission relax).
        var withTarget = p1.After / paperWrites * 1e6;
        var costs = Calibrate(Means(defaults), c => Run(c, 1, true).PassNs[0] / writes, withTarget, [.. ModelledCosts.LocalKeys.Except(["bbm"])], []);
        // 2. The break-before-make of a block on fault (besides its broadcast TLBI), from the 1-vCPU pass without eager split.
        var withoutTarget = p1.Before / paperWrites * 1e6;
        for (var i = 0; i < 3; i++)
        {
            var got = Run(costs, 1, false).PassNs[0] / writes;
            costs = costs.With([new("bbm", Math.Max(0, costs["bbm"] + withoutTarget - got))]);
        }
        costs = costs.With([new("phase-variation", defaults["phase-variation"])]);
        var calibration = $"fault path's CPU-local costs × {costs["fault-exit"] / defaults["fault-exit"]:0.000} from the 1-vCPU pass with eager split ({withTarget:0} ns/write); "
            + $"bbm = {costs["bbm"]:0} ns from the 1-vCPU pass without ({withoutTarget:0} ns/write); "
            + $"machine parameters as configured (tlbi-broadcast {costs["tlbi-broadcast"]} ns, lock-line-bounce {costs["lock-line-bounce"]} ns); "
            + $"fitted with every phase at its mean, rows run with phase-variation {costs["phase-variation"]}";
        var rows = new List<RatioRow>();
        var scale = (double)PublishedTables.EagerSplitBytes / bytesPerVcpu / 1e6;
        foreach (var n in vcpus)
        {
            progress?.Invoke($"eager-split: {n} vCPUs");
            var b = Run(costs, n, false);
            var a = Run(costs, n, true);
            rows.Add(new RatioRow("pass", n, PublishedTables.EagerSplitPass.FirstOrDefault(p => p.Vcpus == n) is { Vcpus: > 0 } pp ? pp : null, b.PassNs[0] * scale, a.PassNs[0] * scale));
        }
        return new Reproduction("eager huge-page splitting: per-pass time without (before) vs with (after), 2M hugetlb, sparse 2M-stride writes", "ms", calibration, rows);
    }

    /// <summary>
    /// <paramref name="costs"/> with every phase at its mean (<c>phase-variation</c> 0): what a 1-vCPU calibration fits. One
    /// vCPU never queues for a shared line, so variation would only add the noise of a small sample to the fitted means.
    /// </summary>
    private static ModelledCosts Means(ModelledCosts costs) => costs.With([new("phase-variation", 0)]);

    /// <summary>
    /// Scales <paramref name="multiply"/> (and divides <paramref name="divide"/>) by one factor until
    /// <paramref name="measure"/> gives <paramref name="target"/> (a few fixed-point rounds: the measure is nearly linear).
    /// </summary>
    public static ModelledCosts Calibrate(ModelledCosts costs, Func<ModelledCosts, double> measure, double target, IReadOnlyList<string> multiply, IReadOnlyList<string> divide)
    {
        var factor = 1.0;
        var c = costs;
        for (var i = 0; i < 5; i++)
        {
            var got = measure(c);
            if (got <= 0) break;
            factor *= target / got;
            c = costs.With(multiply.Select(k => new KeyValuePair<string, double>(k, costs[k] * factor))
                .Concat(divide.Select(k => new KeyValuePair<string, double>(k, costs[k] / factor))));
        }
        return c;
    }

    /// <summary>The table as text: one line per row, model ratio next to the published one.</summary>
    public static void Write(TextWriter w, Reproduction r)
    {
        w.WriteLine(r.Table);
        w.WriteLine($"calibration: {r.Calibration}");
        w.WriteLine($"{"quantity",-9} {"vCPUs",5}  {"published before→after",24} {"ratio",6}   {"model before→after",22} {"ratio",6}  {"model/published",15}");
        foreach (var x in r.Rows)
        {
            var pub = x.Published is { } p ? $"{p.Before,9:0.00} → {p.After,6:0.00} {r.Unit}" : "";
            var pr = x.Published is { } q ? $"{q.Ratio,6:0.00}" : "";
            var dev = x.Deviation is { } d ? $"{d * 100,+6:+0;-0;0} %" : "";
            w.WriteLine($"{x.Quantity,-9} {x.Vcpus,5}  {pub,24} {pr,6}   {x.ModelBefore,9:0.00} → {x.ModelAfter,6:0.00} {r.Unit} {x.ModelRatio,6:0.00}  {dev,15}");
        }
    }
}
