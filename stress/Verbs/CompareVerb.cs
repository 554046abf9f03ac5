using System.CommandLine;
using System.Globalization;
using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Variants;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>compare --variant NAME [--baseline NAME...]</c>: the default stress workload on the deterministic dispatcher,
/// the same seeds with and without the variant (on top of the baseline's variants), side by side: <c>mmu_lock</c>
/// waits, retries per fault and why, fault latency in deliveries, violations. Deterministic, so the same command
/// prints the same numbers on any machine. Exit 0 no violation on either side, 1 a violation, 2 bad input.
/// </summary>
internal static class CompareVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var variant = new Option<string[]>("--variant") { Description = "The variant to measure (repeatable: all of them together)", HelpName = "NAME" };
        var baseline = new Option<string[]>("--baseline") { Description = "Variants on in both runs (default none: the model as the kernel is)", HelpName = "NAME" };
        var vcpus = new Option<string>("--vcpus") { Description = "vCPUs; a list (8,64) compares at each", DefaultValueFactory = _ => "8", HelpName = "N[,N...]" };
        var seeds = new Option<int>("--seeds") { Description = "How many seeds, from --seed on", DefaultValueFactory = _ => 3 };
        var seed = new Option<ulong>("--seed") { Description = "The first seed", DefaultValueFactory = _ => 1 };
        var faults = new Option<long>("--faults") { Description = "Faults per run", CustomParser = CliParsers.From(CliParsers.Faults), DefaultValueFactory = _ => 20_000 };
        var memory = new Option<MemorySize>("--memory") { Description = "Guest memory", CustomParser = CliParsers.From(MemorySize.Parse), DefaultValueFactory = _ => MemorySize.Parse("64M") };
        var every = new Option<int>("--invalidate-every") { Description = "A host MM operation after every N accesses", CustomParser = CliParsers.From(CliParsers.InvalidateEvery), DefaultValueFactory = _ => 16 };
        var modelledTime = new Option<bool>("--modelled-time") { Description = "Measure in modelled time (virtual CPUs, per-phase costs): faults/s, latency in µs, wait time per lock" };
        var command = new Command("compare", "Run the same seeds with and without a variant and report lock waits, retries, latency and violations side by side")
            { variant, baseline, vcpus, seeds, seed, faults, memory, every, modelledTime };
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            var names = r.GetValue(variant) ?? [];
            if (names.Length == 0) throw new CliUserError("--variant: required (names from 'actorkvm variants')");
            var with = VariantNames.Check(names);
            var without = VariantNames.Check(r.GetValue(baseline));
            var both = VariantNames.Check(without.On.Concat(with.On));
            var counts = CliParsers.Vcpus(r.GetValue(vcpus)!, list: true);
            var n = r.GetValue(seeds);
            if (n is < 1 or > 1000) throw new CliUserError($"--seeds: expected 1..1000, got {n}");
            var first = r.GetValue(seed);
            var bytes = r.GetValue(memory).Bytes;
            var perRun = r.GetValue(faults);
            var invalidateEvery = r.GetValue(every);
            var akka = EngineConfig.Load(config);
            if (r.GetValue(modelledTime)) return ModelledTimeCompare.Execute(akka, with, without, counts, first, n, bytes, perRun, (json, quiet), io);
            var human = io.Human(json);
            var label = string.Join('+', with.On);
            var baseLabel = without.On.Count == 0 ? "baseline (the kernel's model)" : $"baseline ({string.Join('+', without.On)})";
            if (!quiet)
                foreach (var v in with.On.Select(x => VariantCatalog.Find(x)!))
                    human.WriteLine($"actorkvm compare: {v.Name}: {v.Change} ({v.Where})");
            var tables = new List<(int Vcpus, Side Base, Side Variant)>();
            foreach (var c in counts)
            {
                Side Measure(VariantSet set)
                {
                    var side = new Side();
                    for (var i = 0; i < n; i++)
                    {
                        var s = first + (ulong)i;
                        var options = new WorkloadOptions(c, bytes, InvalidateEvery: invalidateEvery, Seed: s, MaxFaults: perRun) { Variants = set };
                        side.Add(StressRun.RunDeterministic(options, new SeededStrategy(s), akka));
                    }
                    return side;
                }
                var b = Measure(without);
                var v = Measure(both);
                tables.Add((c, b, v));
                human.WriteLine($"{c} vCPUs, seeds {first}..{first + (ulong)n - 1}, {perRun} faults each, a host operation every {invalidateEvery} accesses (deterministic)");
                Write(human, baseLabel, label, b, v);
            }
            if (json) JsonOut.Write(io.Out, new CompareSummary(label, [.. without.On], first, n, perRun, [.. tables.Select(t => new Comparison(t.Vcpus, t.Base.Summary(), t.Variant.Summary()))]),
                SummaryJson.Default.CompareSummary);
            return tables.All(t => t.Base.ViolationEvents == 0 && t.Variant.ViolationEvents == 0) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static void Write(TextWriter human, string baseLabel, string label, Side b, Side v)
    {
        var rows = new List<(string What, string Base, string Variant)>
        {
            ("faults", $"{b.Faults}", $"{v.Faults}"),
            ("mmu_lock waits: read", $"{b.ReadWaits}", $"{v.ReadWaits}"),
            ("mmu_lock waits: write", $"{b.WriteWaits}", $"{v.WriteWaits}"),
            ("lock waits per fault", F(b.WaitsPerFault), F(v.WaitsPerFault)),
            ("retries per fault", F(b.RetriesPerFault), F(v.RetriesPerFault)),
            ("  retry: invalidation in progress", $"{b.InProgress}", $"{v.InProgress}"),
            ("  retry: mmu_invalidate_seq moved", $"{b.SequenceMoved}", $"{v.SequenceMoved}"),
            ("  retry: other (no host mapping at THP adjust)", $"{b.OtherRetries}", $"{v.OtherRetries}"),
            ("fault latency p50 / p99 / max (deliveries)", b.LatencyText, v.LatencyText),
            ("deliveries per fault", F(b.DeliveriesPerFault), F(v.DeliveriesPerFault)),
            ("violations (subjects / events)", $"{b.ViolationSubjects} / {b.ViolationEvents}", $"{v.ViolationSubjects} / {v.ViolationEvents}"),
        };
        SideBySide.Write(human, baseLabel, label, rows);
        if ((b.FirstViolation ?? v.FirstViolation) is { } first) human.WriteLine($"  first violation: {first}");
    }

    private static string F(double x) => x.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>One side of a comparison, summed over its seeds.</summary>
    private sealed class Side
    {
        public long Faults, ReadWaits, WriteWaits, Retries, InProgress, SequenceMoved, Deliveries, ViolationEvents, ViolationSubjects;
        private readonly List<(double P50, double P99, double Max)> _latency = [];
        public string? FirstViolation;

        public void Add(StressResult r)
        {
            Faults += r.Stats.Faults;
            ReadWaits += r.LockWaits.Read;
            WriteWaits += r.LockWaits.Write;
            Retries += r.Stats.ByResult.GetValueOrDefault(FaultResult.Retry);
            InProgress += r.RetryChecks.InProgress;
            SequenceMoved += r.RetryChecks.SequenceMoved;
            Deliveries += r.Schedule?.Deliveries ?? 0;
            ViolationEvents += r.Violations.Count;
            ViolationSubjects += ViolationTally.Of(r.Violations).Count;
            FirstViolation ??= r.Violations.FirstOrDefault()?.ToString();
            if (r.Latency is { Count: > 0 } l) _latency.Add((l.Percentile(50), l.Percentile(99), l.Max));
        }

        public long OtherRetries => Retries - InProgress - SequenceMoved;
        public double WaitsPerFault => Faults == 0 ? 0 : (ReadWaits + WriteWaits) / (double)Faults;
        public double RetriesPerFault => Faults == 0 ? 0 : Retries / (double)Faults;
        public double DeliveriesPerFault => Faults == 0 ? 0 : Deliveries / (double)Faults;
        private double P50 => _latency.Count == 0 ? 0 : _latency.Average(x => x.P50);
        private double P99 => _latency.Count == 0 ? 0 : _latency.Average(x => x.P99);
        private double Max => _latency.Count == 0 ? 0 : _latency.Max(x => x.Max);
        public string LatencyText => $"{P50:F0} / {P99:F0} / {Max:F0}";

        public CompareSide Summary() => new(Faults, ReadWaits, WriteWaits, Math.Round(WaitsPerFault, 5), Math.Round(RetriesPerFault, 5), InProgress, SequenceMoved,
            OtherRetries, Math.Round(P50, 1), Math.Round(P99, 1), Math.Round(Max, 1), Math.Round(DeliveriesPerFault, 3), ViolationSubjects, ViolationEvents);
    }
}
