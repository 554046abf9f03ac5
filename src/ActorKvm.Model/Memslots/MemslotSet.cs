using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Memslots;

/// <summary>
/// An immutable, published set of memslots (<c>struct kvm_memslots</c>) with its generation. Faults look
/// a set up under SRCU and keep using it even after a newer set is published.
/// </summary>
public sealed class MemslotSet
{
    private readonly Memslot[] _byGfn;

    /// <summary>Creates a set.</summary>
    public MemslotSet(IEnumerable<Memslot> slots, ulong generation)
    {
        _byGfn = slots.OrderBy(s => s.BaseGfn.Value).ToArray();
        Generation = generation;
    }

    /// <summary>The empty set of generation 0.</summary>
    public static MemslotSet Empty { get; } = new([], 0);

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
    public Memslot? ById(int id)
    {
        foreach (var s in _byGfn) if (s.Id == id) return s;
        return null;
    }

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

    /// <summary>A new set with <paramref name="slot"/> added or replacing the slot of the same id.</summary>
    public MemslotSet With(Memslot slot, ulong generation) => new(_byGfn.Where(s => s.Id != slot.Id).Append(slot), generation);

    /// <summary>A new set without slot <paramref name="id"/>.</summary>
    public MemslotSet Without(int id, ulong generation) => new(_byGfn.Where(s => s.Id != id), generation);
}
