using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Memslots;

/// <summary>
/// One memslot (<c>struct kvm_memory_slot</c>). Slots are replaced, never edited, when userspace changes
/// them, as <c>kvm_set_memslot</c> does; a fault keeps the slot it looked up under SRCU.
/// </summary>
public sealed class Memslot
{
    /// <summary>Creates a slot.</summary>
    public Memslot(int id, Gfn baseGfn, ulong npages, Hva userspaceAddr, MemslotFlags flags, DirtyBitmap? bitmap, bool invalid = false)
    {
        Id = id;
        BaseGfn = baseGfn;
        NPages = npages;
        UserspaceAddr = userspaceAddr;
        Flags = flags;
        DirtyBitmap = bitmap;
        Invalid = invalid;
    }

    /// <summary>Slot id.</summary>
    public int Id { get; }
    /// <summary><c>base_gfn</c>.</summary>
    public Gfn BaseGfn { get; }
    /// <summary><c>npages</c>.</summary>
    public ulong NPages { get; }
    /// <summary><c>userspace_addr</c>.</summary>
    public Hva UserspaceAddr { get; }
    /// <summary>Userspace flags.</summary>
    public MemslotFlags Flags { get; }
    /// <summary>The dirty bitmap, present while logging is enabled.</summary>
    public DirtyBitmap? DirtyBitmap { get; }
    /// <summary><c>KVM_MEMSLOT_INVALID</c>: being deleted or moved; lookups miss it.</summary>
    public bool Invalid { get; }

    /// <summary>First IPA.</summary>
    public Ipa Gpa => BaseGfn.ToIpa();
    /// <summary>Size in bytes.</summary>
    public ulong Size => NPages << Sizes.PageShift;
    /// <summary>One past the last HVA.</summary>
    public Hva UserspaceEnd => UserspaceAddr + Size;
    /// <summary><c>KVM_MEM_READONLY</c>.</summary>
    public bool ReadOnly => (Flags & MemslotFlags.ReadOnly) != 0;
    /// <summary><c>kvm_slot_has_gmem</c>.</summary>
    public bool HasGmem => (Flags & MemslotFlags.GuestMemfd) != 0;
    /// <summary><c>kvm_slot_dirty_track_enabled</c>.</summary>
    public bool DirtyTrackEnabled => (Flags & MemslotFlags.LogDirtyPages) != 0;

    /// <summary><c>memslot_is_logging</c>: a dirty bitmap and not read-only.</summary>
    public bool IsLogging => DirtyBitmap is not null && !ReadOnly;

    /// <summary>True when the slot covers <paramref name="gfn"/>.</summary>
    public bool Contains(Gfn gfn) => gfn.Value >= BaseGfn.Value && gfn.Value < BaseGfn.Value + NPages;
    /// <summary><c>__gfn_to_hva_memslot</c>.</summary>
    public Hva GfnToHva(Gfn gfn) => UserspaceAddr + ((gfn - BaseGfn) << Sizes.PageShift);
    /// <summary><c>hva_to_gfn_memslot</c>.</summary>
    public Gfn HvaToGfn(Hva hva) => BaseGfn + ((hva - UserspaceAddr) >> Sizes.PageShift);
    /// <summary>The HVA of an IPA inside the slot (byte offset kept).</summary>
    public Hva IpaToHva(Ipa ipa) => UserspaceAddr + (ipa - Gpa);

    /// <summary>The copy <c>kvm_invalidate_memslot</c> publishes: the same slot marked <c>KVM_MEMSLOT_INVALID</c> (slots are replaced, not edited).</summary>
    public Memslot Invalidated() => new(Id, BaseGfn, NPages, UserspaceAddr, Flags, DirtyBitmap, invalid: true);

    /// <inheritdoc/>
    public override string ToString() => $"slot{Id}[{Gpa}+{Sizes.Format(Size)} -> {UserspaceAddr}{(Invalid ? " invalid" : "")}{(IsLogging ? " logging" : "")}{(ReadOnly ? " ro" : "")}]";
}
