using ActorKvm.Model.Host;

namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 18, <c>mte-tag-init-race</c>: tag initialisation is one atomic claim per page (test-and-set of a lock bit), never a plain 'if not tagged' check.
/// </summary>
/// <remarks>
/// Kernel fix: d77e59a8fccd "arm64: mte: Lock a page for MTE tag initialisation". Where: <c>sanitise_mte_tags</c> and
/// <c>mte_sync_tags</c>, the two initialisers it made take PG_mte_lock (<c>try_page_mte_tagging</c>). Before it KVM
/// tested PG_mte_tagged and then cleared and set it, and <c>mte_sync_tags</c> (a tagged host PTE, <c>set_pte_at</c>)
/// set the flag with <c>test_and_set_bit</c> before clearing: a concurrent initialiser could see the flag, map the page
/// with its tags still uncleared, and have the guest's tags wiped by the late clear.
/// </remarks>
public static class MteTagInitRace
{
    /// <summary>The switch name.</summary>
    public const string Name = "mte-tag-init-race";

    /// <summary>What the stress workload must do before a run can show this switch (<c>run --bug</c> applies it).</summary>
    public static readonly BugNeeds Needs = new("only an MTE VM sanitises tags, and its workload adds the shared-memory slot whose PROT_MTE alias is the second initialiser (mte_sync_tags)", Mte: true);

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(18, Name, "d77e59a8fccd", "I5", "tag initialisation is one atomic claim per page (test-and-set of a lock bit), never a plain 'if not tagged' check",
        Produces: Oracle.ViolationKind.MteTagsLost, Needs: Needs);

    /// <summary>
    /// <c>sanitise_mte_tags</c> before the fix, for one page: <c>if (!test_bit(PG_mte_tagged)) { mte_clear_page_tags();
    /// set_bit(PG_mte_tagged); }</c>. Returns true when tags someone had stored were wiped.
    /// </summary>
    public static bool SanitisePage(PageMte page)
    {
        return !page.Tagged && page.InitialiseTags();
    }

    /// <summary>
    /// <c>mte_sync_tags</c> before the fix, its claim: <c>if (!test_and_set_bit(PG_mte_tagged)) mte_sync_page_tags()</c>
    /// — the flag is set before the tags are cleared. True when this initialiser goes on to clear.
    /// </summary>
    public static bool SyncClaim(PageMte page)
    {
        if (page.Tagged) return false;
        page.SetPageMteTagged();
        return true;
    }
}
