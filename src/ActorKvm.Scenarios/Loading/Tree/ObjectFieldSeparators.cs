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
            if (HoconText.IsCommentStart(text, i))
            {
                i = HoconText.SkipComment(text, i);
                continue;
            }
            if (c == '"')
            {
                i = HoconText.SkipString(text, i, out _);
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
}
