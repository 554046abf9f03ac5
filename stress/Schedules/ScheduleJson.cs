using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ActorKvm.Model.Host;
using ActorKvm.Model.Variants;

namespace ActorKvm.Stress.Schedules;

/// <summary>
/// The schedule header's JSON contract, generated at build time: snake_case names as in <c>--json</c> output, unknown
/// keys and missing required ones refused (a file from a newer <c>actorkvm</c> with a knob this one does not know would
/// replay another run).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters = [typeof(BackingKindJson), typeof(VariantSetJson)])]
[JsonSerializable(typeof(ScheduleHeader))]
internal sealed partial class ScheduleJson : JsonSerializerContext
{
    /// <summary>
    /// The header's contract: the generated metadata without computed properties (a getter that is no constructor
    /// parameter, such as <c>WorkloadOptions.EffectiveBackings</c>), which describe a knob rather than being one.
    /// </summary>
    public static JsonTypeInfo<ScheduleHeader> Header => s_header ??= (JsonTypeInfo<ScheduleHeader>)new JsonSerializerOptions(Default.Options)
    {
        TypeInfoResolver = Default.WithAddedModifier(DropComputed),
    }.GetTypeInfo(typeof(ScheduleHeader));

    private static JsonTypeInfo<ScheduleHeader>? s_header;

    private static void DropComputed(JsonTypeInfo type)
    {
        for (var i = type.Properties.Count - 1; i >= 0; i--)
            if (type.Properties[i] is { Set: null, AssociatedParameter: null }) type.Properties.RemoveAt(i);
    }
}

/// <summary>A backing by its scenario-format name (<c>hugetlb-2M</c>), as the options and scenarios spell it.</summary>
internal sealed class BackingKindJson : JsonConverter<BackingKind>
{
    public override BackingKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } name && BackingKindExtensions.Parse(name) is { } kind ? kind
            : throw new JsonException($"unknown backing '{reader.GetString()}'");

    public override void Write(Utf8JsonWriter writer, BackingKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToScenarioName());
}

/// <summary>The variants that are on, by name (<c>actorkvm variants</c>).</summary>
internal sealed class VariantSetJson : JsonConverter<VariantSet>
{
    public override VariantSet Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) throw new JsonException("variants: expected a list of names");
        var names = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var name = reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("variants: expected a list of names");
            names.Add(VariantCatalog.Find(name) is not null ? name : throw new JsonException($"unknown variant '{name}'"));
        }
        return new VariantSet(names);
    }

    public override void Write(Utf8JsonWriter writer, VariantSet value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var name in value.On) writer.WriteStringValue(name);
        writer.WriteEndArray();
    }
}
