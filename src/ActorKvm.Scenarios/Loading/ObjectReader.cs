using ActorKvm.Engine.Scenarios.Loading.Tree;
using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Reads the members of one object, remembering which keys were asked for, so that <see cref="Done"/> can
/// report any key the reader did not expect (with the path of that key).
/// </summary>
internal sealed class ObjectReader
{
    private readonly SObject _obj;
    private readonly List<string> _known = [];

    private ObjectReader(SObject obj, string path)
    {
        _obj = obj;
        Path = path;
    }

    /// <summary>The key path of this object ("" for the top level).</summary>
    public string Path { get; }

    /// <summary>Wraps a node that must be an object.</summary>
    public static ObjectReader Of(SNode node, string path) => node is SObject o
        ? new ObjectReader(o, path)
        : throw new ScenarioParseException(path, $"expected an object, got {node.Describe()}");

    /// <summary>The member keys as written.</summary>
    public IEnumerable<string> Keys => _obj.Members.Select(m => m.Key);

    /// <summary>The path of a member.</summary>
    public string PathOf(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The member, or null when absent; the key becomes known either way.</summary>
    public SNode? Get(string key)
    {
        if (!_known.Contains(key)) _known.Add(key);
        foreach (var (k, v) in _obj.Members)
            if (k == key) return v is SScalar { Kind: ScalarKind.Null } ? null : v;
        return null;
    }

    /// <summary>True when the member is present (and not null).</summary>
    public bool Has(string key) => Get(key) is not null;

    /// <summary>The member, or an error naming it as required.</summary>
    public SNode Require(string key) => Get(key) ?? throw new ScenarioParseException(PathOf(key), "required key is missing");

    /// <summary>Fails on the first member that no reader asked for.</summary>
    public void Done()
    {
        foreach (var (k, _) in _obj.Members)
            if (!_known.Contains(k))
                throw new ScenarioParseException(PathOf(k), $"unknown key '{k}' (known here: {string.Join(", ", _known)})");
    }

    /// <summary>An optional string.</summary>
    public string? String(string key) => Get(key) is { } n ? Values.String(n, PathOf(key)) : null;

    /// <summary>An optional boolean.</summary>
    public bool? Bool(string key) => Get(key) is { } n ? Values.Bool(n, PathOf(key)) : null;

    /// <summary>An optional bounded integer.</summary>
    public int? Int(string key, int min, int max) => Get(key) is { } n ? Values.Int(n, PathOf(key), min, max) : null;

    /// <summary>An optional unsigned integer (decimal or hex).</summary>
    public ulong? UInt64(string key) => Get(key) is { } n ? Values.UInt64(n, PathOf(key)) : null;

    /// <summary>An optional size.</summary>
    public ulong? Size(string key) => Get(key) is { } n ? Values.Size(n, PathOf(key)) : null;

    /// <summary>An optional address.</summary>
    public ulong? Address(string key) => Get(key) is { } n ? Values.Address(n, PathOf(key)) : null;

    /// <summary>Optional permissions.</summary>
    public S2Prot? Perms(string key) => Get(key) is { } n ? Values.Perms(n, PathOf(key)) : null;

    /// <summary>A required string.</summary>
    public string RequiredString(string key) => Values.String(Require(key), PathOf(key));

    /// <summary>A required bounded integer.</summary>
    public int RequiredInt(string key, int min, int max) => Values.Int(Require(key), PathOf(key), min, max);

    /// <summary>A required size.</summary>
    public ulong RequiredSize(string key) => Values.Size(Require(key), PathOf(key));

    /// <summary>A required address.</summary>
    public ulong RequiredAddress(string key) => Values.Address(Require(key), PathOf(key));

    /// <summary>A required unsigned integer.</summary>
    public ulong RequiredUInt64(string key) => Values.UInt64(Require(key), PathOf(key));

    /// <summary>An optional list, each item read by <paramref name="item"/> with its indexed path.</summary>
    public IReadOnlyList<T>? List<T>(string key, Func<SNode, string, T> item)
    {
        if (Get(key) is not { } n) return null;
        var path = PathOf(key);
        if (n is not SArray a) throw new ScenarioParseException(path, $"expected a list, got {n.Describe()}");
        return a.Items.Select((x, i) => item(x, $"{path}[{i}]")).ToList();
    }

    /// <summary>An optional enumeration value, by its exact scenario name.</summary>
    public T? Enum<T>(string key, IReadOnlyList<(T Value, string Name)> names) where T : struct =>
        Get(key) is { } n ? Values.Enum(n, PathOf(key), names) : null;
}
