using ActorKvm.Model.Arch;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Memslots;

/// <summary>
/// <c>KVM_GET_DIRTY_LOG</c> (<c>kvm_get_dirty_log_protect</c>) or <c>KVM_CLEAR_DIRTY_LOG</c>
/// (<c>kvm_clear_dirty_log_protect</c>): harvesting bits and write-protecting their pages happen in the same
/// write-locked section, so no writable leaf is ever left without its dirty bit.
/// </summary>
public sealed class DirtyLogIoctl : Activity
{
    private readonly int _slotId;
    private readonly bool _clear;
    private readonly ulong _first;
    private readonly ulong _count;

    /// <summary>A GET (<paramref name="clear"/> false) or a CLEAR of [first, first+count) pages.</summary>
    public DirtyLogIoctl(Kvm kvm, int id, int slotId, bool clear, ulong first = 0, ulong count = 0) : base(kvm, id)
    {
        _slotId = slotId;
        _clear = clear;
        _first = first;
        _count = count;
    }

    /// <summary>The slot whose log it reads.</summary>
    public int SlotId => _slotId;
    /// <summary>True for <c>KVM_CLEAR_DIRTY_LOG</c>, false for <c>KVM_GET_DIRTY_LOG</c>.</summary>
    public bool IsClear => _clear;
    /// <summary>The first page a CLEAR covers (<c>first_page</c>).</summary>
    public ulong First => _first;
    /// <summary>How many pages a CLEAR covers (<c>num_pages</c>).</summary>
    public ulong Count => _count;
    /// <summary>The ioctl's result.</summary>
    public Errno Result { get; private set; }
    /// <summary>Pages (offsets from the slot start) reported dirty by a GET.</summary>
    public IReadOnlyList<ulong> Pages { get; private set; } = [];

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        Kvm.LockChecker.Took(KernelLocks.SlotsLock); // kvm_vm_ioctl_{get,clear}_dirty_log: mutex_lock(&kvm->slots_lock)
        // The slot id is checked first, then (CLEAR) first_page's alignment, then the slot, then the CLEAR range.
        if (_slotId < 0 || _slotId >= MemslotValidation.MaxUserSlots || (_clear && _first % 64 != 0)) return Done(Errno.EINVAL);
        var slot = Kvm.Memslots.ById(_slotId);
        if (slot is null || slot.Invalid || slot.DirtyBitmap is null) return Done(Errno.ENOENT);
        var bitmap = slot.DirtyBitmap;
        if (_clear && (_first > slot.NPages || _count > slot.NPages - _first || (_count % 64 != 0 && _first + _count != slot.NPages)))
            return Done(Errno.EINVAL);
        if (!_clear && Kvm.Config.ManualDirtyProtect)
        {
            // Manual protect: copy the live bitmap out; clear and protect nothing.
            var set = bitmap.SetOffsets();
            Kvm.Oracle.DirtyLogHarvested(slot, 0, slot.NPages, set, cleared: false);
            Pages = set;
            return Done(Errno.Ok);
        }
        if (Kvm.TakeMmuLock(Id, LockMode.Write, "dirty-log harvest") is { } wait) return wait;
        var pages = new List<ulong>();
        var firstWord = _clear ? (int)(_first / 64) : 0;
        var lastWord = _clear ? (int)((_first + _count + 63) / 64) : bitmap.Words;
        for (var w = firstWord; w < lastWord; w++)
        {
            ulong mask;
            if (_clear)
            {
                var want = ulong.MaxValue;
                var wordEnd = (ulong)(w + 1) * 64;
                if (wordEnd > _first + _count) want = (1UL << (int)((_first + _count) % 64)) - 1;
                mask = bitmap.ClearMask(w, want);
            }
            else
            {
                mask = bitmap.TakeWord(w);
            }
            if (mask == 0) continue;
            for (var m = mask; m != 0; m &= m - 1) pages.Add((ulong)w * 64 + (ulong)System.Numerics.BitOperations.TrailingZeroCount(m));
            EnableLogDirtyPtMasked(slot, (ulong)w * 64, mask);
        }
        Kvm.Oracle.DirtyLogProtected(slot, pages);
        Kvm.Oracle.DirtyLogHarvested(slot, _clear ? _first : 0, _clear ? _count : slot.NPages, pages, cleared: true);
        Kvm.MmuLock.Release(Id);
        Pages = pages;
        return Done(Errno.Ok);
    }

    /// <summary>
    /// <c>kvm_arch_mmu_enable_log_dirty_pt_masked</c>: write-protect from the lowest to the highest set bit
    /// (pages in between too), and split blocks there in manual-protect-with-initially-set mode.
    /// </summary>
    private void EnableLogDirtyPtMasked(Memslot slot, ulong offset, ulong mask)
    {
        var lo = offset + (ulong)System.Numerics.BitOperations.TrailingZeroCount(mask);
        var hi = offset + 63 - (ulong)System.Numerics.BitOperations.LeadingZeroCount(mask) + 1;
        var start = (slot.BaseGfn + lo).ToIpa();
        var size = (hi - lo) << Sizes.PageShift;
        Kvm.S2WrProtect(Id, start, size);
        if (Kvm.Config.ManualProtectAndInitSet) EagerSplit.SplitRange(Kvm, Id, start, size);
    }

    private StepResult Done(Errno e)
    {
        Result = e;
        return StepResult.Finished(null);
    }

    /// <inheritdoc/>
    /// <remarks>GET/CLEAR_DIRTY_LOG under <c>slots_lock</c>; harvesting write-protects under <c>mmu_lock</c> (write).</remarks>
    public override KernelLocks Declares(string? phase) => KernelLocks.SlotsLock | KernelLocks.MmuWrite;
}
