using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>
/// A host folio: 2^order physically contiguous 4 KiB pages with one reference count, a pin count and
/// per-page content values (so a lost guest write is observable) and per-page poison / MTE-tag state.
/// </summary>
/// <remarks>
/// References are split by holder so the oracle can tell who leaked: host page-table mappings,
/// the page cache, and references taken through GUP by KVM (<c>__kvm_faultin_pfn</c>).
/// </remarks>
public sealed class Folio
{
    private ulong _page0;                      // an order-0 folio's one page, inline (most folios: no array per written page)
    private const int SmallContentOrder = 4;
    private ulong[]? _content;                 // lazily allocated; other small folios (up to 16 pages) only
    private Dictionary<ulong, ulong>? _sparse; // larger folios: only written pages cost memory (a guest writes a few pages of a THP, not 512)
    private HashSet<ulong>? _poisoned;
    private Dictionary<ulong, PageMte>? _mte;

    internal Folio(Pfn head, int order, BackingKind kind, bool isZeroPage)
    {
        Head = head;
        Order = order;
        Kind = kind;
        IsZeroPage = isZeroPage;
    }

    /// <summary>First pfn.</summary>
    public Pfn Head { get; }
    /// <summary>log2 of the page count.</summary>
    public int Order { get; }
    /// <summary>Number of 4 KiB pages.</summary>
    public ulong Pages => 1UL << Order;
    /// <summary>Size in bytes.</summary>
    public ulong Size => Pages * Sizes.PageSize;
    /// <summary>The kind of memory it belongs to.</summary>
    public BackingKind Kind { get; }
    /// <summary>The shared (huge) zero page: never written, never freed.</summary>
    public bool IsZeroPage { get; }
    /// <summary>Anonymous / shmem / hugetlb memory (<c>folio_test_swapbacked</c>); page cache is not.</summary>
    public bool SwapBacked => Kind.IsSwapBacked();

    /// <summary>References held by host page-table entries that map this folio.</summary>
    public int MapRefs { get; internal set; }
    /// <summary>The page cache's reference (shmem and file folios).</summary>
    public int CacheRefs { get; internal set; }
    /// <summary>References taken through GUP by KVM faults and not yet released.</summary>
    public int GupRefs { get; internal set; }
    /// <summary><c>folio_maybe_dma_pinned</c> pins (FOLL_PIN / FOLL_LONGTERM).</summary>
    public int PinCount { get; internal set; }
    /// <summary>The folio reference count (<c>folio_ref_count</c>).</summary>
    public int RefCount => MapRefs + CacheRefs + GupRefs + PinCount;
    /// <summary>References beyond the ones its mappings and the page cache account for: migration and split refuse them.</summary>
    public bool HasExtraRefs => GupRefs > 0 || PinCount > 0;

    /// <summary>Freed back to the allocator; its pfns must no longer be reachable by a guest.</summary>
    public bool Freed { get; internal set; }
    /// <summary>PG_dirty.</summary>
    public bool Dirty { get; internal set; }
    /// <summary>PG_referenced / accessed.</summary>
    public bool Accessed { get; internal set; }

    /// <summary>True when <paramref name="pfn"/> lies inside this folio.</summary>
    public bool Contains(Pfn pfn) => pfn.Value >= Head.Value && pfn.Value < Head.Value + Pages;

    /// <summary>The content value of the page at <paramref name="index"/> (0 when never written).</summary>
    public ulong Read(ulong index)
    {
        if (Order == 0) return index == 0 ? _page0 : throw new ArgumentOutOfRangeException(nameof(index));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Pages);
        if (_content is not null) return _content[index];
        if (_sparse is not null && _sparse.TryGetValue(index, out var v)) return v;
        return 0;
    }

    /// <summary>Stores a content value into the page at <paramref name="index"/>.</summary>
    public void Write(ulong index, ulong value)
    {
        if (IsZeroPage) throw new InvalidOperationException("write to the shared zero page");
        if (Order == 0)
        {
            _page0 = index == 0 ? value : throw new ArgumentOutOfRangeException(nameof(index));
        }
        else if (Order <= SmallContentOrder)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Pages);
            _content ??= new ulong[Pages];
            _content[index] = value;
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Pages);
            (_sparse ??= new Dictionary<ulong, ulong>())[index] = value;
        }
    }

    /// <summary>True when the page at <paramref name="index"/> is hardware-poisoned.</summary>
    public bool IsPoisoned(ulong index) => _poisoned is not null && _poisoned.Contains(index);

    /// <summary>True when any page is poisoned.</summary>
    public bool AnyPoisoned => _poisoned is { Count: > 0 };

    internal void Poison(ulong index) => (_poisoned ??= []).Add(index);

    /// <summary><c>page_mte_tagged</c> for the page at <paramref name="index"/>.</summary>
    public bool IsMteTagged(ulong index) => Mte(index)?.Tagged ?? false;

    /// <summary>The MTE state of the page at <paramref name="index"/>, or null when nothing MTE ever touched it.</summary>
    public PageMte? Mte(ulong index) => _mte is not null && _mte.TryGetValue(index, out var m) ? m : null;

    /// <summary>The MTE state of page <paramref name="pfn"/> of this folio, or null.</summary>
    public PageMte? MteAt(Pfn pfn) => Mte((ulong)(pfn - Head));

    /// <summary>The MTE state of page <paramref name="pfn"/> of this folio, created on first use.</summary>
    public PageMte MteOfPfn(Pfn pfn) => MteOf((ulong)(pfn - Head));

    /// <summary>The MTE state of the page at <paramref name="index"/>, created (untagged, unlocked) on first use.</summary>
    public PageMte MteOf(ulong index)
    {
        _mte ??= [];
        if (!_mte.TryGetValue(index, out var m)) _mte[index] = m = new PageMte();
        return m;
    }

    /// <summary>Copies the MTE state of <paramref name="from"/>'s page <paramref name="fromIndex"/> into page <paramref name="index"/> (<c>copy_highpage</c>).</summary>
    public void CopyMteFrom(Folio from, ulong fromIndex, ulong index) => RestoreMte(index, from.Mte(fromIndex)?.CopyIfTagged());

    /// <summary>Installs a saved MTE state (a copy, or <c>arch_swap_restore</c>) for page <paramref name="index"/>; null leaves it untagged.</summary>
    internal void RestoreMte(ulong index, PageMte? state)
    {
        if (state is not null) (_mte ??= [])[index] = state;
    }

    /// <inheritdoc/>
    public override string ToString() => $"folio[{Head} order {Order} {Kind.ToScenarioName()} ref {RefCount} pin {PinCount}{(Freed ? " freed" : "")}]";
}
