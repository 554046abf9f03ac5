using System.Text.Json;

namespace ActorKvm.Tests.Tracing;

/// <summary>
/// Cuts a Chrome trace back to what it held before the kernel facts were added: slice args reduced to
/// <c>activity</c> and <c>status</c>, violation instants and missed-invalidation arrows dropped; everything else is
/// rewritten byte for byte as <c>ChromeTrace</c> writes it. Comparing its hash with an older pin proves that only
/// args and new events changed.
/// </summary>
internal static class TraceStripper
{
    public static byte[] WithoutFacts(byte[] trace)
    {
        using var doc = JsonDocument.Parse(trace);
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false }))
        {
            w.WriteStartObject();
            foreach (var top in doc.RootElement.EnumerateObject())
            {
                if (top.Name != "traceEvents")
                {
                    top.WriteTo(w);
                    continue;
                }
                w.WriteStartArray(top.Name);
                foreach (var e in top.Value.EnumerateArray())
                {
                    var ph = e.GetProperty("ph").GetString();
                    if (ph == "i") continue;
                    if (e.TryGetProperty("cat", out var cat) && cat.GetString() == "missed-invalidation") continue;
                    w.WriteStartObject();
                    foreach (var p in e.EnumerateObject())
                    {
                        if (ph == "X" && p.Name == "args")
                        {
                            w.WriteStartObject("args");
                            p.Value.GetProperty("activity").WriteTo2(w, "activity");
                            p.Value.GetProperty("status").WriteTo2(w, "status");
                            w.WriteEndObject();
                        }
                        else p.WriteTo(w);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteTo2(this JsonElement value, Utf8JsonWriter w, string name)
    {
        w.WritePropertyName(name);
        value.WriteTo(w);
    }
}
