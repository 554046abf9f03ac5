using System.Collections.Immutable;
using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Memslots;

/// <summary>
/// An immutable, published set of memslots (<c>struct kvm_memslots</c>) with its generation. Faults look
/// a set up under SRCU and keep using it even after a newer set is published.
/// </summary>
public sealed class MemslotSet
{
    private readonly Memslot[] _byGfn;
    // kvm_memslots.id_hash: by id in O(log n), shared between a set and the sets made from it.
    private readonly ImmutableDictionary<int, Memslot> _byId;
    // Identifies this set to the sets made from it (a token, not the set: a chain of sets must not stay alive).
    private readonly object _token = new();
    // The set this one was made from by one With or Without, and the slots that went and came.
    private readonly object? _baseToken;
    private readonly Memslot? _removed;
    private readonly Memslot? _added;

    /// <summary>A set over <paramref name="ordered"/>, already sorted by gfn.</summary>
    private MemslotSet(ulong generation, Memslot[] ordered, ImmutableDictionary<int, Memslot>? byId, object? baseToken, Memslot? removed, Memslot? added)
    {
        _byGfn = ordered;
        _byId = byId ?? ordered.ToImmutableDictionary(s => s.Id);
        Generation = generation;
        _baseToken = baseToken;
        _removed = removed;
        _added = added;
    }

    /// <summary>The empty set of generation 0.</summary>
    public static MemslotSet Empty { get; } = new(0, [], null, null, null, null);

    /// <summary><c>slots-&gt;generation</c>.</summary>
    public ulong Generation { get; }
    /// <summary>Slots in GPA order.</summary>
    public IReadOnlyList<Memslot> Slots => _byGfn;

    /// <summary>
    /// <c>gfn_to_memslot</c>: the slot covering gfn, including an invalid one (whose HVA lookups fail, see
    /// <see cref="GfnToHvaProt"/>).
    /// </summary>
    public Memslot? Find(Gfn gfn)
    {
        int lo = 0, hi = _byGfn.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >> 1;
            var s = _byGfn[mid];
            if (gfn.Value < s.BaseGfn.Value) hi = mid - 1;
            else if (gfn.Value >= s.BaseGfn.Value + s.NPages) lo = mid + 1;
            else return s;
        }
        return null;
    }

    /// <summary>The slot with <paramref name="id"/>, if any.</summary>
    public Memslot? ById(int id) => _byId.GetValueOrDefault(id);

    /// <summary>
    /// When this set was made from <paramref name="before"/> by one <see cref="With"/> or <see cref="Without"/>: the slot
    /// that left and the one that came (either may be null). Null otherwise: compare the sets slot by slot.
    /// </summary>
    public (Memslot? Removed, Memslot? Added)? ChangeFrom(MemslotSet before) =>
        ReferenceEquals(_baseToken, before._token) ? (_removed, _added) : null;

    /// <summary>
    /// <c>gfn_to_hva_memslot_prot</c>: the HVA, or null (<c>KVM_HVA_ERR_BAD</c>) for no slot or an invalid
    /// slot; <paramref name="writable"/> is false for a read-only slot.
    /// </summary>
    public static Hva? GfnToHvaProt(Memslot? slot, Gfn gfn, out bool writable)
    {
        writable = slot is not null && !slot.ReadOnly;
        if (slot is null || slot.Invalid) return null;
        return slot.GfnToHva(gfn);
    }

    /// <summary>
    /// A new set with <paramref name="slot"/> added or replacing the slot of the same id: one copy of the sorted array
    /// with the slot inserted at its place (a re-sort per update made loading n slots cost O(n^2 log n)).
    /// </summary>
    public MemslotSet With(Memslot slot, ulong generation)
    {
        var old = ById(slot.Id);
        var rest = old is null ? _byGfn : Remove(_byGfn, old);
        var at = FirstEndingAfter(rest, slot.BaseGfn.Value);
        var next = new Memslot[rest.Length + 1];
        Array.Copy(rest, next, at);
        next[at] = slot;
        Array.Copy(rest, at, next, at + 1, rest.Length - at);
        return new MemslotSet(generation, next, _byId.SetItem(slot.Id, slot), _token, old, slot);
    }

    /// <summary>A new set without slot <paramref name="id"/>.</summary>
    public MemslotSet Without(int id, ulong generation)
    {
        var old = ById(id);
        return old is null
            ? new MemslotSet(generation, _byGfn, _byId, _token, null, null)
            : new MemslotSet(generation, Remove(_byGfn, old), _byId.Remove(id), _token, old, null);
    }

    private static Memslot[] Remove(Memslot[] sorted, Memslot slot)
    {
        var i = FirstEndingAfter(sorted, slot.BaseGfn.Value);
        while (!ReferenceEquals(sorted[i], slot)) i++; // slots are disjoint: the first found, unless a bug let two overlap
        var next = new Memslot[sorted.Length - 1];
        Array.Copy(sorted, next, i);
        Array.Copy(sorted, i + 1, next, i, sorted.Length - i - 1);
        return next;
    }

    /// <summary>
    /// A slot other than <paramref name="exceptId"/> whose gfn range overlaps <paramref name="gfn"/>..+<paramref name="npages"/>
    /// (<c>kvm_check_memslot_overlap</c>), found by binary search: the slots are disjoint and sorted.
    /// </summary>
    public Memslot? Overlapping(ulong gfn, ulong npages, int exceptId)
    {
        for (var i = FirstEndingAfter(_byGfn, gfn); i < _byGfn.Length && _byGfn[i].BaseGfn.Value < gfn + npages; i++)
            if (_byGfn[i].Id != exceptId) return _byGfn[i];
        return null;
    }

    /// <summary>The index of the first slot of <paramref name="sorted"/> that ends after <paramref name="gfn"/>.</summary>
    private static int FirstEndingAfter(Memslot[] sorted, ulong gfn)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (sorted[mid].BaseGfn.Value + sorted[mid].NPages <= gfn) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
