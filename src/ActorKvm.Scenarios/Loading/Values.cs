using ActorKvm.Engine.Scenarios.Loading.Tree;
using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>Typed reads of single values, each failing with the value's key path and what was expected.</summary>
internal static class Values
{
    public static string String(SNode n, string path) => n is SScalar { Kind: not ScalarKind.Null } s
        ? s.Text
        : throw Fail(path, "a string", n);

    public static bool Bool(SNode n, string path) => n is SScalar { Text: "true" or "false" } s
        ? s.Text == "true"
        : throw Fail(path, "true or false", n);

    public static int Int(SNode n, string path, int min, int max)
    {
        if (n is not SScalar { Kind: ScalarKind.Text or ScalarKind.Number } s || !ScenarioValues.TryParseInteger(s.Text, out var v))
            throw Fail(path, "an integer", n);
        if (v < (ulong)Math.Max(min, 0) || v > (ulong)max)
            throw new ScenarioParseException(path, $"{s.Text} is out of range ({min}..{max})");
        return (int)v;
    }

    public static ulong UInt64(SNode n, string path) =>
        n is SScalar { Kind: ScalarKind.Text or ScalarKind.Number } s && ScenarioValues.TryParseInteger(s.Text, out var v)
            ? v
            : throw Fail(path, "an integer (decimal or quoted hex)", n);

    public static ulong Size(SNode n, string path) =>
        n is SScalar { Kind: ScalarKind.Text or ScalarKind.Number } s && ScenarioValues.TryParseSize(s.Text, out var v)
            ? v
            : throw Fail(path, "a size (integer bytes or a string like \"4K\", \"2M\", \"1G\")", n);

    public static ulong Address(SNode n, string path) =>
        n is SScalar { Kind: ScalarKind.Text or ScalarKind.Number } s && ScenarioValues.TryParseInteger(s.Text, out var v)
            ? v
            : throw Fail(path, "an address (integer or quoted hex string)", n);

    public static S2Prot Perms(SNode n, string path) =>
        n is SScalar { Kind: ScalarKind.Text } s && S2ProtExtensions.ParsePerms(s.Text) is { } p
            ? p
            : throw Fail(path, "permissions (letters from r, w, x, or \"none\")", n);

    public static T Enum<T>(SNode n, string path, IReadOnlyList<(T Value, string Name)> names)
    {
        if (n is SScalar { Kind: ScalarKind.Text } s)
            foreach (var (value, name) in names)
                if (name == s.Text) return value;
        throw Fail(path, "one of " + string.Join(", ", names.Select(x => x.Name)), n);
    }

    /// <summary>A name checked against a fixed set (phases, violations, bugs).</summary>
    public static string Name(SNode n, string path, IReadOnlyCollection<string> known, string what)
    {
        var s = String(n, path);
        if (known.Contains(s)) return s;
        var list = known.Count == 0 ? "none are defined" : "expected one of " + string.Join(", ", known);
        throw new ScenarioParseException(path, $"unknown {what} '{s}' ({list})");
    }

    public static ScenarioParseException Fail(string path, string expected, SNode got) =>
        new(path, $"expected {expected}, got {got.Describe()}");
}
