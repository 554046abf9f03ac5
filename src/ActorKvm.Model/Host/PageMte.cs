namespace ActorKvm.Model.Host;

/// <summary>How a <see cref="PageMte.TryPageMteTagging"/> claim ended.</summary>
public enum MteClaim : byte
{
    /// <summary>The caller owns the page's tag initialisation: clear the tags, then <see cref="PageMte.SetPageMteTagged"/>.</summary>
    Claimed,
    /// <summary>The tags are initialised already: nothing to do.</summary>
    AlreadyTagged,
    /// <summary>Another initialiser holds PG_mte_lock and has not set PG_mte_tagged yet: wait for it.</summary>
    Locked,
}

/// <summary>
/// The MTE state of one 4 KiB page: the <c>struct page</c> flags PG_mte_tagged and PG_mte_lock (the two-bit lock of
/// d77e59a8fccd "arm64: mte: Lock a page for MTE tag initialisation") and the allocation tags of its 256 16-byte
/// granules. <see cref="Initialised"/> is the model's truth (the tags were zeroed since the page was allocated), which
/// the oracle compares with the flag the kernel trusts.
/// </summary>
public sealed class PageMte
{
    /// <summary>Bytes per MTE tag granule.</summary>
    public const int GranuleSize = 16;

    private byte[]? _tags; // one 4-bit tag per granule; allocated on the first non-zero tag store

    /// <summary>PG_mte_tagged: the tags are initialised (never cleared while the page is allocated).</summary>
    public bool Tagged { get; internal set; }
    /// <summary>PG_mte_lock: an initialiser has claimed the page.</summary>
    public bool Locked { get; internal set; }
    /// <summary>The activity holding PG_mte_lock (for wait reports), or -1.</summary>
    public int LockHolder { get; internal set; } = -1;
    /// <summary>Model truth: <c>mte_clear_page_tags</c> (or a tag copy) ran since allocation.</summary>
    public bool Initialised { get; internal set; }
    /// <summary>Oracle bookkeeping: a permission-fault block map made the page guest-visible without sanitising it.</summary>
    public bool ExposedUnsanitised { get; set; }
    /// <summary>True when some granule holds a non-zero tag (only a guest tag store writes one).</summary>
    public bool HasTags => _tags is not null && Array.Exists(_tags, t => t != 0);

    /// <summary>The tag of the granule at byte <paramref name="offset"/> of the page.</summary>
    public byte TagAt(ulong offset) => _tags is null ? (byte)0 : _tags[(offset & 0xfff) / GranuleSize];

    /// <summary>A tag store (<c>STG</c>) to the granule at byte <paramref name="offset"/>.</summary>
    public void StoreTag(ulong offset, byte tag)
    {
        if (tag == 0 && _tags is null) return;
        (_tags ??= new byte[4096 / GranuleSize])[(offset & 0xfff) / GranuleSize] = (byte)(tag & 0xf);
    }

    /// <summary>
    /// <c>try_page_mte_tagging</c>: already tagged → nothing to do; PG_mte_lock free → take it (the caller initialises);
    /// held by someone else → the caller waits for PG_mte_tagged (<c>smp_cond_load_acquire</c>).
    /// </summary>
    public MteClaim TryPageMteTagging(int holder)
    {
        if (Tagged) return MteClaim.AlreadyTagged;
        if (Locked) return LockHolder == holder ? MteClaim.Claimed : MteClaim.Locked;
        Locked = true;
        LockHolder = holder;
        return MteClaim.Claimed;
    }

    /// <summary><c>mte_clear_page_tags</c>: zeroes every tag; returns true when tags someone had stored were wiped.</summary>
    public bool MteClearPageTags()
    {
        var wiped = HasTags;
        _tags = null;
        Initialised = true;
        return wiped;
    }

    /// <summary>
    /// True when another initialiser holds PG_mte_lock and has not set PG_mte_tagged yet: <paramref name="holder"/>'s
    /// <c>try_page_mte_tagging</c> would wait.
    /// </summary>
    public bool ClaimedByOther(int holder) => Locked && !Tagged && LockHolder != holder;

    /// <summary>The claimed initialisation: <c>mte_clear_page_tags</c>, then <c>set_page_mte_tagged</c>. True when stored tags were wiped.</summary>
    public bool InitialiseTags()
    {
        var wiped = MteClearPageTags();
        SetPageMteTagged();
        return wiped;
    }

    /// <summary><c>set_page_mte_tagged</c> (release): the tags are initialised; waiters on PG_mte_lock go on.</summary>
    public void SetPageMteTagged()
    {
        Tagged = true;
        LockHolder = -1;
    }

    /// <summary>
    /// <c>copy_highpage</c>'s MTE part (migration, collapse, split, swap restore): a tagged source gives a tagged copy
    /// with the same tags; an untagged one gives null (the copy starts uninitialised).
    /// </summary>
    public PageMte? CopyIfTagged()
    {
        if (!Tagged) return null;
        return new PageMte { Tagged = true, Locked = true, Initialised = Initialised, _tags = (byte[]?)_tags?.Clone() };
    }
}
