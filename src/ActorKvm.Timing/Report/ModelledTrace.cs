using System.Globalization;
using System.Text.Json;

namespace ActorKvm.Timing.Report;

/// <summary>One slice of a modelled-time trace: a phase, a wait or guest work on a virtual CPU, in modelled ns.</summary>
public readonly record struct ModelledSlice(double StartNs, double DurationNs, string Track, int Activity, string Kind, string Name);

/// <summary>
/// The events of a modelled-time run, written as Chrome trace-event JSON (Perfetto, chrome://tracing) on the modelled
/// clock: <c>ts</c>/<c>dur</c> are modelled microseconds with nanosecond decimals. Recording only appends: a run with a
/// trace takes the same interleaving as one without.
/// </summary>
public sealed class ModelledTrace
{
    private readonly List<ModelledSlice> _slices = [];

    /// <summary>The slices in the order they were recorded.</summary>
    public IReadOnlyList<ModelledSlice> Slices => _slices;

    internal void Add(ModelledSlice s) => _slices.Add(s);

    /// <summary>Writes the trace; equal runs give equal bytes.</summary>
    public void Write(Stream stream, string process = "actorkvm modelled time")
    {
        var tracks = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in _slices)
            if (!tracks.ContainsKey(s.Track)) tracks[s.Track] = tracks.Count + 1;
        using var w = new Utf8JsonWriter(stream);
        w.WriteStartObject();
        w.WriteString("displayTimeUnit", "ns");
        w.WriteStartArray("traceEvents");
        Meta(w, "process_name", 0, process);
        foreach (var (t, id) in tracks) Meta(w, "thread_name", id, t);
        foreach (var s in _slices)
        {
            w.WriteStartObject();
            w.WriteString("name", s.Name);
            w.WriteString("cat", s.Kind);
            w.WriteString("ph", "X");
            Micros(w, "ts", s.StartNs);
            Micros(w, "dur", s.DurationNs);
            w.WriteNumber("pid", 1);
            w.WriteNumber("tid", tracks[s.Track]);
            w.WriteStartObject("args");
            w.WriteNumber("activity", s.Activity);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>A modelled-ns value as trace microseconds, to the nanosecond (fixed notation, the same text everywhere).</summary>
    private static void Micros(Utf8JsonWriter w, string name, double ns)
    {
        w.WritePropertyName(name);
        w.WriteRawValue((Math.Round(ns) / 1000).ToString("0.###", CultureInfo.InvariantCulture));
    }

    private static void Meta(Utf8JsonWriter w, string name, int tid, string value)
    {
        w.WriteStartObject();
        w.WriteString("name", name);
        w.WriteString("ph", "M");
        w.WriteNumber("pid", 1);
        w.WriteNumber("tid", tid);
        w.WriteStartObject("args");
        w.WriteString("name", value);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
