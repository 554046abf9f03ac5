namespace ActorKvm.Engine.Scenarios.Loading.Tree;

/// <summary>
/// A parsed scenario value, independent of the source syntax (HOCON or JSON), so one reader can walk
/// every key itself and report the unknown ones (HOCON's own getters silently default).
/// </summary>
public abstract record SNode
{
    /// <summary>How the node is shown in "got ..." messages.</summary>
    public abstract string Describe();
}

/// <summary>An object; members keep source order so the first unknown key reported is the first written.</summary>
public sealed record SObject(IReadOnlyList<KeyValuePair<string, SNode>> Members) : SNode
{
    /// <inheritdoc/>
    public override string Describe() => "an object";
}

/// <summary>A list.</summary>
public sealed record SArray(IReadOnlyList<SNode> Items) : SNode
{
    /// <inheritdoc/>
    public override string Describe() => "a list";
}

/// <summary>How a scalar was written; HOCON literals are <see cref="ScalarKind.Text"/> because quoting is not kept.</summary>
public enum ScalarKind
{
    /// <summary>A string, or any HOCON literal.</summary>
    Text,
    /// <summary>A JSON number.</summary>
    Number,
    /// <summary>A JSON <c>true</c> or <c>false</c>.</summary>
    Bool,
    /// <summary>A JSON <c>null</c>.</summary>
    Null,
}

/// <summary>A scalar value as written.</summary>
public sealed record SScalar(string Text, ScalarKind Kind) : SNode
{
    /// <inheritdoc/>
    public override string Describe() => Kind switch
    {
        ScalarKind.Number or ScalarKind.Bool => Text,
        ScalarKind.Null => "null",
        _ => System.Text.Json.JsonSerializer.Serialize(Text),
    };
}

/// <summary>A key written with no value (HOCON accepts <c>a = ]</c> or a bare key).</summary>
public sealed record SMissing : SNode
{
    /// <inheritdoc/>
    public override string Describe() => "nothing";
}
