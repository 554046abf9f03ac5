namespace ActorKvm.Model.Bugs;

/// <summary>The bug switches turned on for one VM. Every rule that a switch can break asks here.</summary>
public sealed class BugSet
{
    private readonly HashSet<string> _on;

    /// <summary>Creates a set; every name must be in <see cref="BugCatalog"/>.</summary>
    public BugSet(IEnumerable<string> names)
    {
        _on = [.. names];
        foreach (var n in _on)
            if (!BugCatalog.IsKnown(n)) throw new ArgumentException($"unknown bug switch '{n}'", nameof(names));
    }

    /// <summary>No switch on.</summary>
    public static BugSet None { get; } = new([]);

    /// <summary>True when switch <paramref name="name"/> is on.</summary>
    public bool IsOn(string name) => _on.Count != 0 && _on.Contains(name);

    /// <summary>The switches that are on.</summary>
    public IReadOnlyCollection<string> On => _on;
}
