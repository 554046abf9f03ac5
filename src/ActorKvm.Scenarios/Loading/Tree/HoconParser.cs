using System.Text;

namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>
/// A HOCON reader for scenario and <c>--config</c> files, written so that its work and memory are bounded by the
/// input's size: one pass over the text, nesting (braces, brackets and dotted key segments together) at most
/// <see cref="MaxDepth"/> levels, substitutions resolved with cycle detection, a chain bound and an expansion budget.
/// Akka's parser (1.5.x) hangs on some malformed files, overflows the stack on substitution cycles and deep dotted
/// keys, and cannot be stopped once started; this one cannot hang. A key path written twice is an error (two
/// objects at one path merge, as HOCON says, so <c>vm.a = 1</c> and <c>vm { b = 2 }</c> still combine).
/// </summary>
internal sealed partial class HoconParser
{
    /// <summary>The deepest nesting accepted, counting <c>{</c>, <c>[</c> and dotted key segments.</summary>
    public const int MaxDepth = 64;

    private readonly string _text;
    private int _pos;
    private int _line = 1;

    private HoconParser(string text) => _text = text;

    /// <summary>Parses <paramref name="text"/> into a tree; throws <see cref="ScenarioParseException"/> on any problem.</summary>
    public static SObject Parse(string text)
    {
        var parser = new HoconParser(text);
        var root = parser.ParseRoot();
        return new Resolver(root, text.Length).Resolve();
    }

    private HObject ParseRoot()
    {
        SkipBlank(newlines: true);
        if (Peek() == '[')
            throw Syntax("the file is a list; it must be an object of keys (name = ..., steps = [...])");
        HObject root;
        if (Peek() == '{')
        {
            _pos++;
            root = ParseObjectBody(depth: 1, closing: '}', path: "");
            SkipBlank(newlines: true);
        }
        else
        {
            root = ParseObjectBody(depth: 0, closing: null, path: "");
        }
        if (_pos < _text.Length) throw Syntax($"unexpected '{Shown(Peek())}' after the end of the top-level object");
        return root;
    }

    /// <summary>Fields until <paramref name="closing"/> (consumed) or, at the top level, the end of the text.</summary>
    private HObject ParseObjectBody(int depth, char? closing, string path)
    {
        var obj = new HObject(_line);
        while (true)
        {
            SkipBlank(newlines: true);
            if (_pos >= _text.Length)
            {
                if (closing is null) return obj;
                throw Syntax("'{' is never closed (file truncated?)");
            }
            var c = Peek();
            if (closing is { } close && c == close)
            {
                _pos++;
                return obj;
            }
            if (c is '}' or ']' or ',') throw Syntax($"unexpected '{c}'");
            ParseField(obj, depth, path);
            // A field ends at ',', a newline, or the closing brace.
            SkipBlank(newlines: false);
            if (_pos >= _text.Length) continue;
            c = Peek();
            if (c == ',') { _pos++; continue; }
            if (c == '\n') continue;
            if (closing is { } close2 && c == close2) continue;
            throw Syntax($"unexpected '{Shown(c)}' after a value (missing ',' or newline?)");
        }
    }

    private void ParseField(HObject obj, int depth, string path)
    {
        var line = _line;
        var segments = ParseKey();
        if (segments is ["include"] && (Peek() is ' ' or '\t') && RestOfLineStartsWithQuote())
            throw Syntax("include is not supported (put everything in one file)");
        if (depth + segments.Count > MaxDepth) throw Syntax($"nesting deeper than {MaxDepth} levels");
        SkipBlank(newlines: false);
        HValue value;
        var c = Peek();
        var valuePath = string.Join('.', segments.Prepend(path).Where(x => x.Length > 0));
        if (c == '{')
        {
            value = ParseValue(depth + segments.Count, valuePath);
        }
        else if (c is '=' or ':')
        {
            _pos++;
            SkipBlank(newlines: false);
            value = ParseValue(depth + segments.Count, valuePath);
        }
        else if (c == '+' && PeekAt(1) == '=')
        {
            throw Syntax("'+=' is not supported (write the whole list)");
        }
        else
        {
            throw Syntax(_pos >= _text.Length
                ? $"key '{string.Join('.', segments)}' has no value"
                : $"expected '=', ':' or '{{' after key '{string.Join('.', segments)}', got '{Shown(c)}'");
        }
        // a.b.c = v is a = { b = { c = v } }.
        for (var i = segments.Count - 1; i >= 1; i--)
        {
            var wrap = new HObject(line);
            wrap.Set(segments[i], value, line, "");
            value = wrap;
        }
        obj.Set(segments[0], value, line, path);
    }

    private bool RestOfLineStartsWithQuote()
    {
        var i = _pos;
        while (i < _text.Length && _text[i] is ' ' or '\t') i++;
        return i < _text.Length && _text[i] == '"';
    }

    /// <summary>A key path: unquoted segments split at '.', quoted segments taken whole.</summary>
    private List<string> ParseKey()
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        var any = false;
        while (_pos < _text.Length)
        {
            var c = Peek();
            if (c == '"')
            {
                if (HoconText.IsTripleQuote(_text, _pos)) throw Syntax("a key cannot be a \"\"\" string");
                current.Append(ReadQuoted());
                any = true;
            }
            else if (c == '.')
            {
                if (!any) throw Syntax("empty key segment (a '.' with nothing before it)");
                segments.Add(current.ToString());
                if (segments.Count > MaxDepth) throw Syntax($"nesting deeper than {MaxDepth} levels");
                current.Clear();
                any = false;
                _pos++;
            }
            else if (IsUnquotedChar(c) && !HoconText.IsCommentStart(_text, _pos))
            {
                current.Append(c);
                any = true;
                _pos++;
            }
            else break;
        }
        if (!any)
        {
            if (segments.Count > 0) throw Syntax("empty key segment (a key ends with '.')");
            throw Syntax(_pos >= _text.Length ? "expected a key" : $"expected a key, got '{Shown(Peek())}'");
        }
        segments.Add(current.ToString());
        return segments;
    }

    /// <summary>
    /// A value: a concatenation of pieces on one line (strings, unquoted text, substitutions, objects, lists) up to
    /// ',', a newline, a closing bracket or a comment.
    /// </summary>
    private HValue ParseValue(int depth, string path)
    {
        var line = _line;
        var pieces = new List<HValue>();
        var pendingSpace = "";
        while (_pos < _text.Length)
        {
            var c = Peek();
            if (c is ',' or '\n' or '}' or ']' || HoconText.IsCommentStart(_text, _pos)) break;
            if (c is ' ' or '\t' or '\r')
            {
                var start = _pos;
                while (_pos < _text.Length && _text[_pos] is ' ' or '\t' or '\r') _pos++;
                pendingSpace = _text[start.._pos];
                continue;
            }
            if (pieces.Count > 0 && pendingSpace.Length > 0) pieces.Add(new HText(pendingSpace, Space: true));
            pendingSpace = "";
            if (c == '{')
            {
                if (depth + 1 > MaxDepth) throw Syntax($"nesting deeper than {MaxDepth} levels");
                _pos++;
                pieces.Add(ParseObjectBody(depth + 1, '}', path));
            }
            else if (c == '[')
            {
                if (depth + 1 > MaxDepth) throw Syntax($"nesting deeper than {MaxDepth} levels");
                _pos++;
                pieces.Add(ParseArray(depth + 1, path));
            }
            else if (c == '"')
            {
                pieces.Add(new HText(HoconText.IsTripleQuote(_text, _pos) ? ReadTripleQuoted() : ReadQuoted(), Space: false));
            }
            else if (c == '$' && PeekAt(1) == '{')
            {
                pieces.Add(ReadSubstitution());
            }
            else if (IsUnquotedChar(c) || c == '.')
            {
                var start = _pos;
                while (_pos < _text.Length && (IsUnquotedChar(_text[_pos]) || _text[_pos] == '.') && !HoconText.IsCommentStart(_text, _pos)) _pos++;
                pieces.Add(new HText(_text[start.._pos], Space: false));
            }
            else
            {
                throw Syntax($"unexpected '{Shown(c)}' in a value (quote text that holds it)");
            }
        }
        if (pieces.Count == 0) return new HMissing();
        return pieces.Count == 1 ? pieces[0] : new HConcat(pieces, line);
    }

    private HArray ParseArray(int depth, string path)
    {
        var items = new List<HValue>();
        while (true)
        {
            SkipBlank(newlines: true);
            if (_pos >= _text.Length) throw Syntax("'[' is never closed (file truncated?)");
            var c = Peek();
            if (c == ']')
            {
                _pos++;
                return new HArray(items);
            }
            if (c is ',' or '}') throw Syntax($"unexpected '{c}' in a list");
            var item = ParseValue(depth, $"{path}[{items.Count}]");
            if (item is HMissing) throw Syntax($"unexpected '{Shown(Peek())}' in a list");
            items.Add(item);
            SkipBlank(newlines: false);
            if (_pos < _text.Length && Peek() == ',') _pos++;
            else if (_pos < _text.Length && Peek() is not ('\n' or ']')) throw Syntax($"unexpected '{Shown(Peek())}' in a list");
        }
    }

    private HSubstitution ReadSubstitution()
    {
        var line = _line;
        _pos += 2;
        var optional = false;
        if (Peek() == '?') { optional = true; _pos++; }
        var start = _pos;
        while (_pos < _text.Length && _text[_pos] is not ('}' or '\n')) _pos++;
        if (_pos >= _text.Length || _text[_pos] != '}') throw Syntax("unterminated substitution '${'");
        var path = _text[start.._pos].Trim();
        _pos++;
        var segments = path.Split('.');
        if (path.Length == 0 || segments.Any(s => s.Length == 0)) throw Syntax($"bad substitution '${{{path}}}'");
        if (segments.Length > MaxDepth) throw Syntax($"nesting deeper than {MaxDepth} levels");
        return new HSubstitution(segments.Select(s => s.Trim('"')).ToArray(), optional, line);
    }

    private string ReadQuoted()
    {
        var sb = new StringBuilder();
        _pos++;
        while (_pos < _text.Length && _text[_pos] != '\n')
        {
            var c = _text[_pos];
            if (c == '"') { _pos++; return sb.ToString(); }
            if (c == '\\')
            {
                if (_pos + 1 >= _text.Length) break;
                var e = _text[_pos + 1];
                _pos += 2;
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u' when _pos + 4 <= _text.Length && int.TryParse(_text.AsSpan(_pos, 4), System.Globalization.NumberStyles.HexNumber, null, out var code):
                        sb.Append((char)code);
                        _pos += 4;
                        break;
                    default: throw Syntax($"bad escape '\\{Shown(e)}' in a string");
                }
                continue;
            }
            sb.Append(c);
            _pos++;
        }
        throw Syntax("unterminated string");
    }

    private string ReadTripleQuoted()
    {
        var end = _text.IndexOf("\"\"\"", _pos + 3, StringComparison.Ordinal);
        if (end < 0) throw Syntax("unterminated \"\"\" string");
        // HOCON: extra quotes just before the closing three belong to the string.
        while (end + 3 < _text.Length && _text[end + 3] == '"') end++;
        var s = _text[(_pos + 3)..end];
        _line += s.Count(ch => ch == '\n');
        _pos = end + 3;
        return s;
    }

    /// <summary>Skips spaces, tabs, comments and (when <paramref name="newlines"/>) newlines, counting lines.</summary>
    private void SkipBlank(bool newlines)
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (c is ' ' or '\t' or '\r' or '\uFEFF') { _pos++; continue; }
            if (c == '\n')
            {
                if (!newlines) return;
                _line++;
                _pos++;
                continue;
            }
            if (HoconText.IsCommentStart(_text, _pos)) { _pos = HoconText.SkipComment(_text, _pos); continue; }
            return;
        }
    }

    /// <summary>HOCON's unquoted-text characters: anything but whitespace and the forbidden set.</summary>
    private static bool IsUnquotedChar(char c) =>
        !char.IsWhiteSpace(c) && c is not ('$' or '"' or '{' or '}' or '[' or ']' or ':' or '=' or ',' or '+' or '#' or '`' or '^' or '?' or '!' or '@' or '*' or '&' or '\\' or '.')
        && !char.IsControl(c);

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private char PeekAt(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

    private static string Shown(char c) => c switch
    {
        '\0' => "end of file",
        '\n' => "newline",
        _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
        _ => c.ToString(),
    };

    private ScenarioParseException Syntax(string message) => new($"line {_line}", "invalid HOCON: " + message);
}
