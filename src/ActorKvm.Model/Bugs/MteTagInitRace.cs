namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 18, <c>mte-tag-init-race</c>: tag initialisation is one atomic claim per page (test-and-set of a lock bit), never a plain 'if not tagged' check.
/// </summary>
/// <remarks>Kernel fix: d77e59a8fccd. Where: sanitise_mte_tags.</remarks>
public static class MteTagInitRace
{
    /// <summary>The switch name.</summary>
    public const string Name = "mte-tag-init-race";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(18, Name, "d77e59a8fccd", "I5", "tag initialisation is one atomic claim per page (test-and-set of a lock bit), never a plain 'if not tagged' check",
        NotModelled: "needs per-page MTE tag values, a guest tag store, a second tag initialiser (another VM or the VMM through a PROT_MTE mapping) split into check/clear phases, and the PG_mte_lock wait in sanitise_mte_tags; the model only records a tagged bit per page");
}
