using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

public sealed partial class HostMm
{
    /// <summary>Long-term pins held (<see cref="PinUserPage"/> not yet undone by <see cref="UnpinUserPage"/>), over all folios.</summary>
    public ulong LongTermPins { get; private set; }

    /// <summary>Pages charged to the process by <see cref="AccountLockedVm"/> (<c>mm-&gt;pinned_vm</c>).</summary>
    public ulong LockedVm { get; private set; }

    /// <summary><c>RLIMIT_MEMLOCK</c> in pages (unlimited by default).</summary>
    public ulong LockedVmLimit { get; set; } = ulong.MaxValue;

    /// <summary>
    /// <c>account_locked_vm(mm, pages, inc)</c>: charging beyond <c>RLIMIT_MEMLOCK</c> fails with -ENOMEM; uncharging
    /// always succeeds.
    /// </summary>
    public Errno AccountLockedVm(ulong pages, bool inc)
    {
        if (!inc)
        {
            LockedVm -= Math.Min(pages, LockedVm);
            return Errno.Ok;
        }
        if (LockedVm + pages > LockedVmLimit) return Errno.ENOMEM;
        LockedVm += pages;
        return Errno.Ok;
    }

    /// <summary>
    /// <c>pin_user_pages(hva, 1, FOLL_HWPOISON | FOLL_LONGTERM | FOLL_WRITE)</c> after any copy-on-write break the caller
    /// ran: the page's folio gains a pin (<c>folio_maybe_dma_pinned</c>), so migration and folio splits refuse it
    /// until <see cref="UnpinUserPage"/>. Returns the status of the fault-in and the pinned folio.
    /// </summary>
    public HostFaultIn PinUserPage(Hva hva)
    {
        Locks?.Took(Locking.KernelLocks.MmapRead); // GUP: mmap_read_lock
        var r = FaultIn(hva, write: true, takeRef: false);
        if (r.Status != HostFaultStatus.Ok || r.Folio is null) return r.Status == HostFaultStatus.Ok ? HostFaultIn.Failed(HostFaultStatus.Fault) : r;
        r.Folio.PinCount++;
        LongTermPins++;
        return r;
    }

    /// <summary><c>unpin_user_pages(&amp;page, 1)</c>.</summary>
    public void UnpinUserPage(Folio folio)
    {
        if (folio.PinCount <= 0) throw new InvalidOperationException($"unpin of an unpinned {folio}");
        folio.PinCount--;
        LongTermPins--;
        MaybeFree(folio);
    }
}
