namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>
/// Checks bracket and brace balance and string termination before HOCON parsing, because Akka's
/// HOCON parser (1.5.x) hangs on some mismatched brackets and silently accepts others.
/// Respects quoted and triple-quoted strings and <c>#</c> / <c>//</c> comments.
/// </summary>
internal static class BracketScanner
{
    /// <summary>The deepest nesting accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>Null when balanced, else (line, message) of the first problem.</summary>
    public static (int Line, string Message)? Check(string text)
    {
        var stack = new Stack<(char Open, int Line)>();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\n') { line++; i++; continue; }
            if (HoconText.IsCommentStart(text, i))
            {
                i = HoconText.SkipComment(text, i);
                continue;
            }
            if (c == '"')
            {
                var end = HoconText.SkipString(text, i, out var terminated);
                if (!terminated) return (line, HoconText.IsTripleQuote(text, i) ? "unterminated \"\"\" string" : "unterminated string");
                line += Count(text, i, end, '\n');
                i = end;
                continue;
            }
            if (c is '{' or '[')
            {
                // Deep nesting would only overflow the parser's stack; no scenario needs it.
                if (stack.Count >= MaxDepth) return (line, $"nesting deeper than {MaxDepth} levels");
                stack.Push((c, line));
            }
            else if (c is '}' or ']')
            {
                if (stack.Count == 0) return (line, $"unexpected '{c}' with nothing open");
                var (open, openLine) = stack.Pop();
                var expected = open == '{' ? '}' : ']';
                if (c != expected)
                    return (line, $"mismatched '{c}': expected '{expected}' to close '{open}' from line {openLine}");
            }
            i++;
        }
        if (stack.Count > 0)
        {
            var (open, openLine) = stack.Peek();
            return (openLine, $"'{open}' is never closed (file truncated?)");
        }
        return null;
    }

    private static int Count(string s, int from, int to, char c)
    {
        var n = 0;
        for (var k = from; k < to; k++) if (s[k] == c) n++;
        return n;
    }
}
