using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ActorKvm.Stress.Output;

/// <summary>Writes one indented JSON object to a text writer: every <c>--json</c> goes through here, so escaping and number formatting are one writer's.</summary>
internal static class JsonOut
{
    /// <summary>Writes <paramref name="value"/> as one indented object, serialized by its source-generated <paramref name="info"/>.</summary>
    public static void Write<T>(TextWriter to, T value, JsonTypeInfo<T> info)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            JsonSerializer.Serialize(w, value, info);
        to.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
