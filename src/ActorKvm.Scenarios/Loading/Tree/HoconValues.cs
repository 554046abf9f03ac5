namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>A parsed HOCON value before its substitutions are resolved (<see cref="HoconParser"/>).</summary>
internal abstract record HValue;

/// <summary>An object; keys keep source order. A key path set twice is an error unless both values are objects (they merge).</summary>
internal sealed record HObject(int Line) : HValue
{
    private readonly Dictionary<string, (HValue Value, int Line)> _fields = new(StringComparer.Ordinal);

    /// <summary>The keys in the order first written.</summary>
    public List<string> Keys { get; } = [];

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public HValue? Get(string key) => _fields.TryGetValue(key, out var f) ? f.Value : null;

    /// <summary>Sets <paramref name="key"/> of the object at <paramref name="path"/>; a second value for one key path is an error.</summary>
    public void Set(string key, HValue value, int line, string path)
    {
        var keyPath = path.Length == 0 ? key : $"{path}.{key}";
        if (_fields.TryGetValue(key, out var existing))
        {
            if (existing.Value is HObject into && value is HObject from)
            {
                foreach (var k in from.Keys)
                {
                    var f = from._fields[k];
                    into.Set(k, f.Value, f.Line, keyPath);
                }
                return;
            }
            throw new ScenarioParseException(keyPath, $"duplicate key (first set on line {existing.Line}, again on line {line})");
        }
        _fields[key] = (value, line);
        Keys.Add(key);
    }
}

/// <summary>A list.</summary>
internal sealed record HArray(IReadOnlyList<HValue> Items) : HValue;

/// <summary>Text: quoted, triple-quoted or unquoted (<paramref name="Space"/>: whitespace between two concatenated pieces).</summary>
internal sealed record HText(string Text, bool Space) : HValue;

/// <summary>A key written with nothing after its separator.</summary>
internal sealed record HMissing : HValue;

/// <summary><c>${a.b}</c> or <c>${?a.b}</c>.</summary>
internal sealed record HSubstitution(string[] Path, bool Optional, int Line) : HValue
{
    /// <summary>As written.</summary>
    public string Shown => $"${{{(Optional ? "?" : "")}{string.Join('.', Path)}}}";
}

/// <summary>Several pieces written side by side on one line (string, list or object concatenation).</summary>
internal sealed record HConcat(IReadOnlyList<HValue> Pieces, int Line) : HValue;
