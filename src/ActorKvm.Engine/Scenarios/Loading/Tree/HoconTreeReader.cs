using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>
/// HOCON parsing with Akka's parser, guarded: brackets are pre-scanned, the parse runs on a background
/// thread with a time bound, and any parser exception becomes one line.
/// </summary>
internal static class HoconTreeReader
{
    /// <summary>How long one parse may take before it is declared hung.</summary>
    public static TimeSpan ParseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ScenarioParseException"/> on any problem.</summary>
    public static SNode Parse(string text)
    {
        if (BracketScanner.Check(text) is { } problem)
            throw new ScenarioParseException($"line {problem.Line}", problem.Message);
        text = ObjectFieldSeparators.Insert(text);

        HoconValue? root = null;
        Exception? failure = null;
        // A dedicated background thread: if the parser spins forever it cannot keep the process alive.
        var worker = new Thread(() =>
        {
            try { root = ConfigurationFactory.ParseString(text).Root; }
            catch (Exception e) { failure = e; }
        }, maxStackSize: 16 * 1024 * 1024)
        { IsBackground = true, Name = "hocon-parse" };
        worker.Start();
        if (!worker.Join(ParseTimeout))
            throw new ScenarioParseException("", $"parse timed out after {ParseTimeout.TotalSeconds:0.#} s (malformed HOCON?)");
        if (failure is not null) throw Describe(failure, text);
        if (root is null || !root.IsObject())
            return new SObject([]);
        return Convert(root, "");
    }

    private static SNode Convert(HoconValue value, string path)
    {
        var elements = value.Values;
        if (elements.Count == 1 && elements[0] is HoconSubstitution sub && sub.ResolvedValue is { } resolved)
            return Convert(resolved, path);
        if (elements.Count == 0) return new SMissing();
        var meaningful = elements.Where(e => !(e is HoconLiteral l && string.IsNullOrWhiteSpace(l.Value))).ToList();
        if (meaningful.Count > 0 && meaningful.All(e => e is HoconObject))
            return ConvertObject(value.GetObject(), path);
        if (meaningful.Count > 0 && meaningful.All(e => e is HoconArray))
        {
            var items = new List<SNode>();
            foreach (var arr in meaningful.Cast<HoconArray>())
                foreach (var item in arr)
                    // "[ ]" parses as one item holding nothing; drop it so it reads as empty.
                    if (item.Values.Count > 0) items.Add(Convert(item, $"{path}[{items.Count}]"));
            return new SArray(items);
        }
        if (elements.All(e => e is HoconLiteral))
        {
            var text = string.Concat(elements.Cast<HoconLiteral>().Select(l => l.Value)).Trim();
            return text == "null" ? new SScalar("null", ScalarKind.Null) : new SScalar(text, ScalarKind.Text);
        }
        throw new ScenarioParseException(path, "a value mixes objects, lists and text");
    }

    private static SObject ConvertObject(HoconObject obj, string path)
    {
        var members = new List<KeyValuePair<string, SNode>>();
        foreach (var (key, v) in obj.Items)
            members.Add(new(key, Convert(v, path.Length == 0 ? key : $"{path}.{key}")));
        return new SObject(members);
    }

    /// <summary>
    /// Akka reports "Unknown token at position 282:" followed by the whole source and a caret line;
    /// turn the position into a line number and drop the echo.
    /// </summary>
    private static ScenarioParseException Describe(Exception failure, string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(failure.Message, @"^(.*?) at position (\d+)");
        if (m.Success && int.TryParse(m.Groups[2].Value, out var pos))
        {
            var line = 1 + text.AsSpan(0, Math.Min(pos, text.Length)).Count('\n');
            return new ScenarioParseException($"line {line}", "invalid HOCON: " + m.Groups[1].Value.ToLowerInvariant());
        }
        var message = OneLine(failure.Message);
        return new ScenarioParseException("", "invalid HOCON: " + (message.Length > 200 ? message[..200] + "..." : message));
    }

    /// <summary>Akka's messages span lines and pad a caret marker with spaces; keep one compact line.</summary>
    private static string OneLine(string s) =>
        string.Join(' ', s.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).TrimEnd(' ', '^');
}
