using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Memslots;

/// <summary>
/// <c>kvm_set_memslot</c> for one request, a phase per step. Delete and move first publish an INVALID copy
/// (<c>slot-invalidated</c>: new faults miss it, and the swap waited for every fault that had looked up the old
/// set), then unmap it (<c>flushed</c>), then install (<c>installed</c>). A flags change publishes
/// (<c>flags-committed</c>) and, when logging turns on, write-protects (<c>write-protected</c>) and eagerly
/// splits (<c>split</c>) in <c>kvm_arch_commit_memory_region</c>. Every swap waits for
/// <c>mn_active_invalidate_count == 0</c>; every SRCU sync waits only for earlier readers.
/// </summary>
public sealed class MemslotUpdate : Activity, IReturnsErrno
{
    private readonly MemslotRequest _req;
    private MemslotChange _change;
    private Memslot? _old;
    private Memslot? _new;
    private ulong _srcuTicket;
    private bool _published;
    private Stage _stage;

    private enum Stage { Validate, Invalidate, Flush, Install, WriteProtect, Split, Done }

    /// <summary>Creates the update.</summary>
    public MemslotUpdate(Kvm kvm, int id, MemslotRequest req) : base(kvm, id) => _req = req;

    /// <summary>The ioctl's result.</summary>
    public Errno Result { get; private set; }
    /// <summary>The request.</summary>
    public MemslotRequest Request => _req;
    /// <summary>What the request changes (known once validated).</summary>
    public MemslotChange Change => _change;
    /// <summary>The slot this update replaces or deletes, once its first step found it (null for a create).</summary>
    public Memslot? Old => _old;

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        switch (_stage)
        {
            case Stage.Validate:
                {
                    var cfg = Kvm.Config;
                    (Result, _change) = MemslotValidation.Validate(_req, Kvm.Memslots, Kvm.Mm, cfg.PhysSize, cfg.Mte, cfg.SupportsCacheablePfnmap, Kvm.Bugs);
                    if (Result != Errno.Ok || _change == MemslotChange.None) return Finish(null);
                    _old = Kvm.Memslots.ById(_req.Id);
                    _new = BuildNew();
                    _stage = _change is MemslotChange.Delete or MemslotChange.Move ? Stage.Invalidate : Stage.Install;
                    return Step();
                }
            case Stage.Invalidate:
                {
                    // Leaves of the old slot may linger until the flush (invariant 7a), including ones installed by
                    // faults that looked the valid slot up before the swap.
                    Kvm.Oracle.FlushPending(_old!.Id, true);
                    var w = Swap(Kvm.Memslots.With(_old!.Invalidated(), Kvm.NextGeneration));
                    if (w is not null) return w.Value;
                    _stage = Stage.Flush;
                    return StepResult.Progress(MemslotOpPhase.SlotInvalidated.Name());
                }
            case Stage.Flush:
                {
                    // kvm_arch_flush_shadow_memslot: unmap the old range under the write lock.
                    if (Kvm.TakeMmuLock(Id, LockMode.Write, "flush_shadow_memslot") is { } wait) return wait;
                    Kvm.S2Unmap(Id, _old!.Gpa, _old.Size);
                    Kvm.MmuLock.Release(Id);
                    Kvm.Oracle.FlushPending(_old.Id, false);
                    _stage = Stage.Install;
                    return StepResult.Progress(MemslotOpPhase.Flushed.Name());
                }
            case Stage.Install:
                {
                    var set = _change == MemslotChange.Delete ? Kvm.Memslots.Without(_req.Id, Kvm.NextGeneration) : Kvm.Memslots.With(_new!, Kvm.NextGeneration);
                    var enablesLogging = _change == MemslotChange.FlagsOnly && _new!.IsLogging && !(_old?.IsLogging ?? false);
                    if (enablesLogging && !_published) Kvm.Oracle.LoggingEnableInFlight(_new!.Id, true);
                    var w = Swap(set);
                    if (w is not null) return w.Value;
                    var phase = _change == MemslotChange.FlagsOnly ? MemslotOpPhase.FlagsCommitted : MemslotOpPhase.Installed;
                    if (_new is { DirtyTrackEnabled: true } && _change != MemslotChange.Delete && !Kvm.Config.ManualProtectAndInitSet)
                    {
                        _stage = Stage.WriteProtect;
                        return StepResult.Progress(phase.Name());
                    }
                    if (enablesLogging) Kvm.Oracle.LoggingEnableInFlight(_new!.Id, false);
                    return Finish(phase.Name());
                }
            case Stage.WriteProtect:
                {
                    // kvm_mmu_wp_memory_region, then kvm_mmu_split_huge_pages when eager split is on.
                    if (Kvm.TakeMmuLock(Id, LockMode.Write, "kvm_mmu_wp_memory_region") is { } wait) return wait;
                    Kvm.S2WrProtect(Id, _new!.Gpa, _new.Size);
                    Kvm.Oracle.LoggingWriteProtected(_new);
                    Kvm.MmuLock.Release(Id);
                    if (Kvm.Config.EagerSplitChunk == 0)
                    {
                        Kvm.Oracle.LoggingEnableInFlight(_new.Id, false);
                        return Finish(MemslotOpPhase.WriteProtected.Name());
                    }
                    _stage = Stage.Split;
                    return StepResult.Progress(MemslotOpPhase.WriteProtected.Name());
                }
            case Stage.Split:
                {
                    if (Kvm.TakeMmuLock(Id, LockMode.Write, "kvm_mmu_split_huge_pages") is { } wait) return wait;
                    EagerSplit.SplitRange(Kvm, Id, _new!.Gpa, _new.Size);
                    Kvm.MmuLock.Release(Id);
                    Kvm.Oracle.LoggingEnableInFlight(_new.Id, false);
                    return Finish(MemslotOpPhase.Split.Name());
                }
        }
        throw new InvalidOperationException("memslot update already finished");
    }

    /// <summary>
    /// <c>kvm_swap_active_memslots</c> + <c>synchronize_srcu_expedited</c>: publish once no notifier is between
    /// start and end, then wait for the faults that looked up the previous set. Null when done.
    /// </summary>
    private StepResult? Swap(MemslotSet set)
    {
        if (!_published)
        {
            if (Kvm.Notifier.MnActiveInvalidateCount != 0)
                return StepResult.BlockedOn(WaitFor.ActiveInvalidations, "mn_active_invalidate_count", Kvm.ActiveInvalidations.Select(a => a.Holder).Distinct());
            Kvm.PublishMemslots(set);
            _srcuTicket = Kvm.Srcu.StartSync();
            _published = true;
        }
        if (!Kvm.Srcu.SyncDone(_srcuTicket)) return StepResult.BlockedOn(WaitFor.Srcu, "synchronize_srcu", Kvm.Srcu.PendingReaders(_srcuTicket));
        _published = false;
        return null;
    }

    private Memslot? BuildNew()
    {
        var cfg = Kvm.Config;
        if (_change == MemslotChange.Delete) return null;
        var logging = (_req.Flags & MemslotFlags.LogDirtyPages) != 0;
        var npages = _req.Size >> Sizes.PageShift;
        // kvm_prepare_memory_region: a bitmap appears when logging is newly set and is kept while it stays on.
        DirtyBitmap? bitmap = null;
        if (logging) bitmap = _old?.DirtyBitmap ?? new DirtyBitmap(npages, cfg.ManualProtectAndInitSet);
        return new Memslot(_req.Id, Gfn.Of(_req.Gpa), npages, _req.Hva, _req.Flags, bitmap);
    }

    private StepResult Finish(string? phase)
    {
        _stage = Stage.Done;
        return StepResult.Finished(phase);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <c>kvm_set_memory_region</c> holds <c>slots_lock</c> throughout; the flush, write-protect and split take <c>mmu_lock</c>
    /// for write.
    /// </remarks>
    public override KernelLocks Declares(string? phase) => phase == PhaseNames.MemslotOp[(int)MemslotOpPhase.Installed]
        || phase == PhaseNames.MemslotOp[(int)MemslotOpPhase.FlagsCommitted]
        ? KernelLocks.SlotsLock
        : KernelLocks.SlotsLock | KernelLocks.MmuWrite;
}
