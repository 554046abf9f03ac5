namespace ActorKvm.Model.Bugs;

/// <summary>
/// The registry of bug switches (one file per bug under <c>Bugs/</c>, named as in the catalog, each holding its whole
/// entry), in catalog order.
/// Scenario <c>bugs = [...]</c> and <c>--bug NAME</c> accept exactly these names.
/// </summary>
public static class BugCatalog
{
    /// <summary>
    /// Every catalog entry, in catalog order: the static <c>Switch</c> of every type in this folder's namespace, so a new
    /// switch is its file alone (the numbers must run 1..N without gaps).
    /// </summary>
    public static IReadOnlyList<BugSwitch> All { get; } = Discover();

    private static readonly Dictionary<string, BugSwitch> ByName = All.ToDictionary(b => b.Name, StringComparer.Ordinal);

    /// <summary>The known switch names, in catalog order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(b => b.Name)];

    /// <summary>True when <paramref name="name"/> is a known switch.</summary>
    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public static BugSwitch? Find(string name) => ByName.GetValueOrDefault(name);

    private static List<BugSwitch> Discover()
    {
        var all = typeof(BugCatalog).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(BugCatalog).Namespace && t.IsAbstract && t.IsSealed) // static classes
            .Select(t => t.GetField("Switch", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null))
            .OfType<BugSwitch>().OrderBy(b => b.Number).ToList();
        for (var i = 0; i < all.Count; i++)
            if (all[i].Number != i + 1) throw new InvalidOperationException($"bug catalog: entry {i + 1} is missing or doubled ({all[i].Name} has {all[i].Number})");
        return all;
    }
}
