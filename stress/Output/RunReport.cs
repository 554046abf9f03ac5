using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Oracle;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Output;

/// <summary>The summary of a stress run, as text or as one JSON object.</summary>
internal static class RunReport
{
    public static void Write(StressResult r, ulong seed, CliIo io, bool json, string replay)
    {
        var s = r.Stats;
        var human = io.Human(json);
        human.WriteLine($"faults      {s.Faults} in {r.Elapsed.TotalSeconds:F1}s = {r.FaultsPerSecond:F0} faults/s ({s.Accesses} accesses)");
        human.WriteLine($"by result   {string.Join(", ", s.ByResult.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key.Name()} {kv.Value}"))}");
        human.WriteLine($"exits       {string.Join(", ", s.ByExit.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}"))}");
        human.WriteLine($"retries     {s.RetriesPerFault:F3} per fault");
        human.WriteLine($"host ops    {s.HostOps}; memslot/dirty-log ops {s.MemslotOps}; dirty pages harvested {s.DirtyPagesHarvested}");
        if (r.Schedule is { } sched)
            human.WriteLine($"schedule    {sched.Deliveries} deliveries ({(s.Faults == 0 ? 0 : sched.Deliveries / (double)s.Faults):F1} per fault), {sched.Choices.Length} choice points");
        if (r.Trace is { Dropped: > 0 } t) human.WriteLine($"trace       {t.Dropped} events past the {t.Limit}-event limit not written");
        human.WriteLine($"violations  {r.Violations.Count}{(r.OutstandingFaultRefs != 0 ? $"; {r.OutstandingFaultRefs} fault page reference(s) outstanding" : "")}");
        foreach (var v in r.Violations.Take(5)) human.WriteLine($"  {v}");
        if (r.Violations.Count > 0 || r.OutstandingFaultRefs != 0)
            human.WriteLine(r.Schedule is null
                ? $"seed {seed}; a free-running interleaving is not recorded yet — try the seeded dispatcher: {replay}"
                : $"seed {seed}; replay: {replay}");
        if (!json) return;
        JsonOut.Write(io.Out, w =>
        {
            w.WriteNumber("seed", seed);
            w.WriteNumber("faults", s.Faults);
            w.WriteNumber("accesses", s.Accesses);
            w.WriteNumber("seconds", r.Elapsed.TotalSeconds);
            w.WriteNumber("faults_per_second", r.FaultsPerSecond);
            w.WriteNumber("retries_per_fault", s.RetriesPerFault);
            w.WriteStartObject("results");
            foreach (var (k, v) in s.ByResult.OrderBy(kv => kv.Key)) w.WriteNumber(k.Name(), v);
            w.WriteEndObject();
            w.WriteStartObject("exits");
            foreach (var (k, v) in s.ByExit.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteNumber(k, v);
            w.WriteEndObject();
            w.WriteNumber("host_ops", s.HostOps);
            w.WriteNumber("memslot_ops", s.MemslotOps);
            w.WriteNumber("dirty_pages_harvested", s.DirtyPagesHarvested);
            w.WriteNumber("outstanding_fault_refs", r.OutstandingFaultRefs);
            w.WriteBoolean("deterministic", r.Schedule is not null);
            if (r.Schedule is { } sched)
            {
                w.WriteNumber("deliveries", sched.Deliveries);
                w.WriteNumber("choice_points", sched.Choices.Length);
                w.WriteNumber("messages_per_fault", s.Faults == 0 ? 0 : sched.Deliveries / (double)s.Faults);
            }
            w.WriteStartArray("violations");
            foreach (var v in r.Violations)
            {
                w.WriteStartObject();
                w.WriteString("kind", v.Kind.Name());
                w.WriteString("detail", v.Detail);
                if (v.Context is not null) w.WriteString("context", v.Context);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }
}
