using System.Text.Json;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Tracing;

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

    /// <summary>Writes a recorded run, with flow arrows from invalidations to the retries they caused.</summary>
    public static void Write(Stream stream, TraceRecorder trace, string process = "actorkvm") =>
        Write(stream, [(process, trace.Events)], [trace.Flows]);

    /// <summary>Writes several runs (e.g. one per scenario of <c>check</c>), each as its own process.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Process, IReadOnlyList<PhaseEvent> Events)> runs,
        IReadOnlyList<IReadOnlyList<(int From, int To)>>? flows = null)
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

    // A flow arrow ("s" at the source slice, "f" bound to the enclosing slice at the target), category "retry".
    private static void Flow(Utf8JsonWriter w, string ph, int id, int pid, int tid, long ts)
    {
        w.WriteStartObject();
        w.WriteString("name", "invalidation → retry");
        w.WriteString("cat", "retry");
        w.WriteString("ph", ph);
        w.WriteNumber("id", id);
        w.WriteNumber("pid", pid);
        w.WriteNumber("tid", tid);
        w.WriteNumber("ts", ts);
        if (ph == "f") w.WriteString("bp", "e");
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
