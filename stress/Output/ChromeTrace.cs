using System.Text.Json;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Vm;

namespace ActorKvm.Stress.Output;

/// <summary>
/// Writes a trace in the Chrome trace-event JSON format (opens in Perfetto and chrome://tracing): one track
/// (thread) per actor, named by a metadata event, and one complete event (<c>"ph": "X"</c>) per phase.
/// The output depends only on the events, so equal runs give equal bytes.
/// </summary>
public static class ChromeTrace
{
    /// <summary>Writes <paramref name="events"/> to <paramref name="stream"/> as one process.</summary>
    public static void Write(Stream stream, IReadOnlyList<PhaseEvent> events, string process = "actorkvm") =>
        Write(stream, [(process, events)]);

    /// <summary>
    /// Writes a recorded run, with flow arrows from invalidations to the retries they caused and to the faults that missed
    /// them, and the oracle's violations as instant events.
    /// </summary>
    public static void Write(Stream stream, TraceRecorder trace, string process = "actorkvm") =>
        Write(stream, [(process, trace.Events)], [trace.Flows], [trace]);

    /// <summary>Writes several runs (e.g. one per scenario of <c>check</c>), each as its own process.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Process, IReadOnlyList<PhaseEvent> Events)> runs,
        IReadOnlyList<IReadOnlyList<(int From, int To)>>? flows = null, IReadOnlyList<TraceRecorder?>? recorders = null)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ms");
        w.WriteStartArray("traceEvents");
        var flowId = 0;
        for (var p = 0; p < runs.Count; p++)
        {
            var tracks = WriteProcess(w, p + 1, runs[p].Process, runs[p].Events);
            if (flows is not null && p < flows.Count)
                foreach (var (from, to) in flows[p])
                {
                    flowId++;
                    Flow(w, "s", flowId, p + 1, tracks[runs[p].Events[from].Track], runs[p].Events[from].Start);
                    Flow(w, "f", flowId, p + 1, tracks[runs[p].Events[to].Track], runs[p].Events[to].Start);
                }
            if (recorders is not null && p < recorders.Count && recorders[p] is { } rec)
            {
                foreach (var (from, to) in rec.MissedFlows)
                {
                    flowId++;
                    Flow(w, "s", flowId, p + 1, tracks[runs[p].Events[from].Track], runs[p].Events[from].Start, Missed);
                    Flow(w, "f", flowId, p + 1, tracks[runs[p].Events[to].Track], runs[p].Events[to].Start, Missed);
                }
                foreach (var v in rec.Violations) Instant(w, p + 1, tracks[v.Track], v);
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static Dictionary<string, int> WriteProcess(Utf8JsonWriter w, int pid, string process, IReadOnlyList<PhaseEvent> events)
    {
        var tracks = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in events)
            if (!tracks.ContainsKey(e.Track)) tracks[e.Track] = tracks.Count + 1;
        Metadata(w, "process_name", pid, 0, process);
        foreach (var (track, tid) in tracks) Metadata(w, "thread_name", pid, tid, track);
        foreach (var e in events)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Phase);
            w.WriteString("cat", e.Kind);
            w.WriteString("ph", "X");
            w.WriteNumber("ts", e.Start);
            w.WriteNumber("dur", e.Duration);
            w.WriteNumber("pid", pid);
            w.WriteNumber("tid", tracks[e.Track]);
            w.WriteStartObject("args");
            w.WriteNumber("activity", e.Activity);
            w.WriteString("status", e.Status switch { StepStatus.Progressed => "progressed", StepStatus.Blocked => "blocked", _ => "done" });
            if (e.Args is { } args)
                foreach (var (key, value) in args) w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return tracks;
    }

    /// <summary>Writes the trace to <paramref name="path"/>.</summary>
    public static void WriteFile(string path, TraceRecorder trace)
    {
        using var f = File.Create(path);
        Write(f, trace);
    }

    /// <summary>Writes several runs to <paramref name="path"/>.</summary>
    public static void WriteFile(string path, IReadOnlyList<(string Process, IReadOnlyList<PhaseEvent> Events)> runs)
    {
        using var f = File.Create(path);
        Write(f, runs);
    }

    private static readonly (string Name, string Cat) Retry = ("invalidation → retry", "retry");

    /// <summary>The flow category of an arrow from an invalidation to a fault that missed it.</summary>
    public const string MissedCategory = "missed-invalidation";

    private static readonly (string Name, string Cat) Missed = ("invalidation missed by fault", MissedCategory);

    // A flow arrow ("s" at the source slice, "f" bound to the enclosing slice at the target).
    private static void Flow(Utf8JsonWriter w, string ph, int id, int pid, int tid, long ts, (string Name, string Cat)? kind = null)
    {
        var (name, cat) = kind ?? Retry;
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("cat", cat);
        w.WriteString("ph", ph);
        w.WriteNumber("id", id);
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteNumber("ts", ts);
        if (ph == "f") w.WriteString("bp", "e");
        w.WriteEndObject();
    }

    /// <summary>The category of a violation's instant event.</summary>
    public const string ViolationCategory = "violation";

    // A thread-scoped instant event ("ph": "i", "s": "t") at the end of the phase after which the oracle saw it.
    private static void Instant(Utf8JsonWriter w, int pid, int tid, ViolationEvent v)
    {
        w.WriteStartObject();
        w.WriteString("name", v.Kind);
        w.WriteString("cat", ViolationCategory);
        w.WriteString("ph", "i");
        w.WriteString("s", "t");
        w.WriteNumber("ts", v.At);
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        w.WriteString("detail", v.Detail);
        if (v.Subject is { } subject) w.WriteString("subject", subject);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Metadata(Utf8JsonWriter w, string name, int pid, int tid, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        w.WriteString("name", value);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
