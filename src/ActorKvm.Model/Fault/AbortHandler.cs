using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// One of the four handlers <see cref="KvmHandleGuestAbort"/> dispatches to — <see cref="UserMemAbort"/>,
/// <see cref="GmemAbort"/>, <see cref="PkvmMemAbort"/>, <see cref="HandleAccessFault"/> — as a stepper over its own
/// phase list, one phase per <see cref="Step"/>, with the pieces the kernel's handlers share: <c>kvm_fault_lock</c>,
/// <c>mmu_invalidate_retry</c>, <c>kvm_release_faultin_page</c>, <c>mark_page_dirty_in_slot</c> and the two exits
/// (<c>out_put_page</c> before the lock, <c>out_unlock</c> after it). Each is made once per dispatcher and reused.
/// </summary>
public abstract class AbortHandler
{
    private readonly FaultPhase[] _phases;
    private int _at;

    private protected AbortHandler(KvmHandleGuestAbort abort, FaultPhase[] phases)
    {
        G = abort;
        _phases = phases;
    }

    /// <summary>The phases this handler reports, in order (<c>complete</c> last).</summary>
    public ReadOnlySpan<FaultPhase> Phases => _phases;

    /// <summary>The phase the next step will complete.</summary>
    public FaultPhase Next => _at < _phases.Length ? _phases[_at] : FaultPhase.Complete;

    /// <summary>True while this handler holds <c>mmu_lock</c>.</summary>
    internal bool Locked { get; set; }

    /// <summary>The dispatcher: the abort, its context and what the handler reports back.</summary>
    internal KvmHandleGuestAbort G { get; }
    internal Kvm Kvm => G.Kvm;
    internal int Holder => G.Holder;
    /// <summary>The working state (<c>struct kvm_s2_fault</c>'s remains).</summary>
    internal KvmS2Fault F => G.State;
    /// <summary>The hypervisor context (<c>const struct kvm_s2_fault_desc *s2fd</c>).</summary>
    internal S2FaultDesc S2fd => G.S2fd;
    internal ref readonly GuestAbort Abort => ref G.AbortRef;
    internal BugSet Bugs => G.Kvm.Bugs;

    /// <summary>Starts a new abort at the first phase.</summary>
    internal virtual void Start()
    {
        _at = 0;
        Locked = false;
    }

    /// <summary>Runs the next phase; returns the boundary reached, or a wait (which changed nothing).</summary>
    internal abstract StepResult Step();

    /// <summary>The current phase is done: the next step runs the following one.</summary>
    internal StepResult Reached()
    {
        var done = _phases[_at++];
        return StepResult.Progress(done.Name());
    }

    /// <summary><c>kvm_fault_lock</c> (or the write lock pKVM takes): null once held, else the wait.</summary>
    internal StepResult? KvmFaultLock(LockMode mode)
    {
        if (Kvm.TakeMmuLock(Holder, mode, "kvm_fault_lock") is { } wait) return wait;
        Locked = true;
        return null;
    }

    /// <summary><c>kvm_fault_unlock</c>, if held.</summary>
    internal void KvmFaultUnlock()
    {
        if (!Locked) return;
        Kvm.MmuLock.Release(Holder);
        Locked = false;
    }

    /// <summary>
    /// <c>mmu_invalidate_retry</c>: an invalidation in progress or a moved sequence since the snapshot (entry 25's
    /// switch lives there). True means -EAGAIN: nothing is mapped and the guest re-faults.
    /// </summary>
    internal bool MmuInvalidateRetry()
    {
        if (!Kvm.MmuInvalidateRetry(Holder, F.MmuSeq)) return false;
        F.Ret = Errno.EAGAIN;
        G.Result = FaultResult.Retry;
        return true;
    }

    /// <summary>
    /// The host's copy-on-write break changes a present PTE: it runs a full MMU-notifier invalidation (taking
    /// mmu_lock for write) inside <c>__kvm_faultin_pfn</c> / <c>pin_user_pages</c>. Null when done, else the wait.
    /// </summary>
    internal StepResult? BreakCow(in HostFaultIn r)
    {
        if (Kvm.TakeMmuLock(Holder, LockMode.Write, "copy-on-write invalidation") is { } wait) return wait;
        Kvm.Notifier.ActiveInvalidateStart();
        Kvm.InvalidateRangeStart(Holder, r.CowStart, r.CowEnd);
        Kvm.Mm.BreakCow(S2fd.Memslot.GfnToHva(F.Gfn));
        Kvm.InvalidateRangeEnd(Holder, r.CowStart, r.CowEnd);
        Kvm.Notifier.ActiveInvalidateEnd();
        Kvm.MmuLock.Release(Holder);
        return null;
    }

    /// <summary>The early exit before the lock (<c>out_put_page</c>): the page, if any, is released unused.</summary>
    internal StepResult OutPutPage(Errno ret)
    {
        F.Ret = ret;
        return OutUnlock(F.Writable);
    }

    /// <summary>
    /// The unlock exit (<c>out_unlock</c>): release the page while still holding the lock (so a dirty mark cannot race
    /// with writeback after an invalidation), unlock, then — 509552e65ae8 — mark the gfn dirty only once the map or
    /// relax succeeded, and report the handler's return to <c>kvm_handle_guest_abort</c>.
    /// </summary>
    internal StepResult OutUnlock(bool writable)
    {
        var ok = F.Ret == Errno.Ok;
        KvmReleaseFaultinPage(unused: !ok, dirty: writable);
        KvmFaultUnlock();
        if (ok && writable && !Bugs.IsOn(DirtyMarkedBeforeMapSuccess.Name)) MarkPageDirtyInSlot();
        return Return();
    }

    /// <summary>
    /// <c>dirty-marked-before-map-success</c>: before 509552e65ae8 a writable fault marked its page dirty just before
    /// mapping, whether or not the map then succeeded.
    /// </summary>
    internal void MarkPageDirtyBeforeMapPreFix(bool writable)
    {
        if (writable && Bugs.IsOn(DirtyMarkedBeforeMapSuccess.Name)) MarkPageDirtyInSlot();
    }

    /// <summary>The handler returns: its return code as <c>kvm_handle_guest_abort</c> turns it into an exit.</summary>
    internal StepResult Return()
    {
        G.Exit ??= KvmHandleGuestAbort.MapReturn(F.Ret, F.SigbusLsb);
        return G.Finish(srcu: true);
    }

    /// <summary><c>mark_page_dirty_in_slot</c> for the fault's gfn, in the slot it looked up.</summary>
    internal void MarkPageDirtyInSlot()
    {
        var slot = S2fd.Memslot;
        if (!slot.DirtyTrackEnabled || slot.DirtyBitmap is null || !slot.Contains(F.Gfn)) return;
        slot.DirtyBitmap.Set(F.Gfn - slot.BaseGfn);
        Kvm.Oracle.DirtyMarked(slot, F.Gfn - slot.BaseGfn);
        G.MarkedDirty = true;
    }

    /// <summary><c>kvm_release_faultin_page</c>: drop the faultin reference, marking the folio dirty if it was mapped writable.</summary>
    internal void KvmReleaseFaultinPage(bool unused, bool dirty)
    {
        var page = F.Page;
        if (page is null) return;
        F.Page = null;
        var markDirty = dirty && !unused;
        Kvm.Oracle.PageReleased(Holder, page, Kvm.Mm.PutPage(page, markDirty), markDirty);
    }

    /// <summary>The fault took a page reference (the oracle counts them until the release).</summary>
    internal void PageReferenced()
    {
        if (F.Page is { } page) Kvm.Oracle.PageReferenced(Holder, page);
    }
}
