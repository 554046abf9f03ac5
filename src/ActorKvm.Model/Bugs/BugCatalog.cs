namespace ActorKvm.Model.Bugs;

/// <summary>
/// The registry of bug switches (one file per bug under <c>Bugs/</c>, named as in the catalog).
/// Scenario <c>bugs = [...]</c> and <c>--bug NAME</c> accept exactly these names.
/// </summary>
public static class BugCatalog
{
    private static readonly List<string> Known = [];

    /// <summary>The known switch names, in catalog order.</summary>
    public static IReadOnlyList<string> Names => Known;

    /// <summary>True when <paramref name="name"/> is a known switch.</summary>
    public static bool IsKnown(string name) => Known.Contains(name);
}
