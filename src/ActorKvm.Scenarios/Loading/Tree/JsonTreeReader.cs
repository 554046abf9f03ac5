using System.Text.Json;

namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>Strict JSON parsing with System.Text.Json: no comments, no trailing commas, no duplicate keys.</summary>
internal static class JsonTreeReader
{
    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ScenarioParseException"/> on any problem.</summary>
    public static SNode Parse(string text)
    {
        if (!TryParse(text, out var node, out var error)) throw error!;
        return node!;
    }

    /// <summary>Parses without throwing; the error carries the line of the problem.</summary>
    public static bool TryParse(string text, out SNode? node, out ScenarioParseException? error)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, Options);
            node = Convert(doc.RootElement, "");
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            node = null;
            var line = e.LineNumber is { } l ? $"line {l + 1}" : "";
            error = new ScenarioParseException(line, "invalid JSON: " + FirstSentence(e.Message));
            return false;
        }
        catch (ScenarioParseException e)
        {
            node = null;
            error = e;
            return false;
        }
    }

    private static SNode Convert(JsonElement e, string path) => e.ValueKind switch
    {
        JsonValueKind.Object => ConvertObject(e, path),
        JsonValueKind.Array => new SArray(e.EnumerateArray().Select((x, i) => Convert(x, $"{path}[{i}]")).ToList()),
        JsonValueKind.String => new SScalar(e.GetString()!, ScalarKind.Text),
        JsonValueKind.Number => new SScalar(e.GetRawText(), ScalarKind.Number),
        JsonValueKind.True => new SScalar("true", ScalarKind.Bool),
        JsonValueKind.False => new SScalar("false", ScalarKind.Bool),
        _ => new SScalar("null", ScalarKind.Null),
    };

    private static SObject ConvertObject(JsonElement e, string path)
    {
        var members = new List<KeyValuePair<string, SNode>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            var childPath = path.Length == 0 ? p.Name : $"{path}.{p.Name}";
            // JsonDocument keeps duplicates; a silent "last wins" would hide typos in generated files.
            if (!seen.Add(p.Name)) throw new ScenarioParseException(childPath, "duplicate key");
            members.Add(new(p.Name, Convert(p.Value, childPath)));
        }
        return new SObject(members);
    }

    private static string FirstSentence(string message)
    {
        var s = message.Replace('\r', ' ').Replace('\n', ' ');
        var cut = s.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? s[..cut] : s).Trim();
    }
}
