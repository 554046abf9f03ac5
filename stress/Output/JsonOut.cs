using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ActorKvm.Stress.Output;

/// <summary>Writes one indented JSON object to a text writer.</summary>
internal static class JsonOut
{
    public static void Write(TextWriter to, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        to.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Writes <paramref name="value"/> as one indented object, serialized by its source-generated <paramref name="info"/>.</summary>
    public static void Write<T>(TextWriter to, T value, JsonTypeInfo<T> info)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            JsonSerializer.Serialize(w, value, info);
        to.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
