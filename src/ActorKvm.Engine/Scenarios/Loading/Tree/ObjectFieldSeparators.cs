using System.Text;

namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>
/// Writes the optional <c>=</c> into every <c>key { ... }</c> field before Akka's HOCON parser sees the text. HOCON
/// lets an object-valued field omit its separator, but Akka's parser (1.5.x) rejects the form inside an inline
/// object when another field follows it (<c>{ op = memslot-create, slot { ... }, expect { ... } }</c>). The two forms
/// mean the same, and the insertion stays on the same line, so error line numbers are unchanged.
/// </summary>
internal static class ObjectFieldSeparators
{
    /// <summary><paramref name="text"/> with <c> =</c> after each unquoted key directly followed by <c>{</c>.</summary>
    public static string Insert(string text)
    {
        StringBuilder? output = null;
        var copied = 0;
        var keyPosition = true; // start of file, or after '{', ',' or a newline
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '#' || (c == '/' && i + 1 < text.Length && text[i + 1] == '/'))
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (c == '"')
            {
                i = SkipString(text, i);
                keyPosition = false;
                continue;
            }
            if (c is '{' or ',' or '\n')
            {
                keyPosition = true;
                i++;
                continue;
            }
            if (c is ' ' or '\t' or '\r')
            {
                i++;
                continue;
            }
            if (keyPosition && (char.IsAsciiLetter(c) || c == '_'))
            {
                var end = i;
                while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '-' or '.')) end++;
                var next = end;
                while (next < text.Length && text[next] is ' ' or '\t') next++;
                if (next < text.Length && text[next] == '{')
                {
                    output ??= new StringBuilder(text.Length + 16);
                    output.Append(text, copied, end - copied).Append(" =");
                    copied = end;
                }
                i = end;
                keyPosition = false;
                continue;
            }
            keyPosition = false;
            i++;
        }
        return output is null ? text : output.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The index after the quoted or triple-quoted string at <paramref name="start"/> (unterminated: the end of the line or text).</summary>
    private static int SkipString(string text, int start)
    {
        if (start + 2 < text.Length && text[start + 1] == '"' && text[start + 2] == '"')
        {
            var end = text.IndexOf("\"\"\"", start + 3, StringComparison.Ordinal);
            return end < 0 ? text.Length : end + 3;
        }
        var i = start + 1;
        while (i < text.Length && text[i] != '\n')
        {
            if (text[i] == '\\') { i += 2; continue; }
            if (text[i] == '"') return i + 1;
            i++;
        }
        return i;
    }
}
