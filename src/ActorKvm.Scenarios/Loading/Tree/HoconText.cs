namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>The lexical pieces the pre-parse passes over HOCON text skip: comments and quoted strings.</summary>
internal static class HoconText
{
    /// <summary>True when a <c>#</c> or <c>//</c> comment starts at <paramref name="i"/>.</summary>
    public static bool IsCommentStart(string text, int i) =>
        text[i] == '#' || (text[i] == '/' && i + 1 < text.Length && text[i + 1] == '/');

    /// <summary>The index of the newline ending the comment at <paramref name="i"/> (or the text's end).</summary>
    public static int SkipComment(string text, int i)
    {
        while (i < text.Length && text[i] != '\n') i++;
        return i;
    }

    /// <summary>
    /// The index after the quoted or triple-quoted string starting at <paramref name="start"/>;
    /// <paramref name="terminated"/> is false when it runs to the end of its line (quoted) or of the text (triple-quoted),
    /// and then the index is where it stopped.
    /// </summary>
    public static int SkipString(string text, int start, out bool terminated)
    {
        if (IsTripleQuote(text, start))
        {
            var end = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            terminated = end >= 0;
            return terminated ? end + 3 : text.Length;
        }
        var i = start + 1;
        while (i < text.Length && text[i] != '\n')
        {
            if (text[i] == '\\') { i += 2; continue; }
            if (text[i] == '"')
            {
                terminated = true;
                return i + 1;
            }
            i++;
        }
        terminated = false;
        return Math.Min(i, text.Length);
    }

    /// <summary>True when a <c>"""</c> string starts at <paramref name="i"/>.</summary>
    public static bool IsTripleQuote(string text, int i) => i + 2 < text.Length && text[i + 1] == '"' && text[i + 2] == '"';
}
