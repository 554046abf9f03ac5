using System.Text.Json;

namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>
/// HOCON parsing for scenario files and <c>--config</c> overlays: brackets are pre-scanned (for the clearest message
/// on a truncated file), then <see cref="HoconParser"/> reads the text in one bounded pass. No parse runs on a thread
/// that could outlive it: the parser cannot hang, so nothing needs a timeout.
/// </summary>
internal static class HoconTreeReader
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="ScenarioParseException"/> on any problem.</summary>
    public static SObject Parse(string text)
    {
        if (BracketScanner.Check(text) is { } problem)
            throw new ScenarioParseException($"line {problem.Line}", problem.Message);
        return HoconParser.Parse(text);
    }

    /// <summary>
    /// A parsed tree as strict JSON, for handing a user's HOCON to Akka's configuration reader: Akka then only
    /// ever parses well-formed JSON, which it cannot hang on. Every scalar is a JSON string (HOCON's getters read
    /// "4", "on" and "10s" from strings alike); null stays null.
    /// </summary>
    public static string ToJson(SNode root)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
            Write(w, root);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter w, SNode node)
    {
        switch (node)
        {
            case SObject o:
                w.WriteStartObject();
                foreach (var (k, v) in o.Members)
                {
                    w.WritePropertyName(k);
                    Write(w, v);
                }
                w.WriteEndObject();
                break;
            case SArray a:
                w.WriteStartArray();
                foreach (var item in a.Items) Write(w, item);
                w.WriteEndArray();
                break;
            case SScalar { Kind: ScalarKind.Null } or SMissing:
                w.WriteNullValue();
                break;
            case SScalar s:
                w.WriteStringValue(s.Text);
                break;
        }
    }
}
