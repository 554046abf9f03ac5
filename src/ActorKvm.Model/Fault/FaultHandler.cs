using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// Handles one abort on one vCPU, one phase per <see cref="Step"/>: <c>kvm_handle_guest_abort</c>'s
/// classification and memslot lookup, then <c>handle_access_fault</c> or the phases of
/// <c>user_mem_abort</c>. Each step either completes a phase, or changes nothing and reports what it waits
/// for. Every path ends at the <c>complete</c> boundary, after the page is released, the lock dropped, the
/// dirty bit marked and SRCU left. Reused across faults: the steady state does not allocate.
/// </summary>
public sealed partial class FaultHandler
{
    private readonly Kvm _kvm;
    private readonly Vcpu _vcpu;
    private readonly int _holder;
    private GuestAbort _abort;
    private S2FaultDesc _desc; // default (no memslot) until the lookup
    private FaultPhase _next;
    private bool _accessFlagPath;
    private bool _locked;
    private bool _seqSnapshotPending;
    private Pfn? _touchAfterUnlock;
    private bool _unownedSplit;
    private bool _ownsSrcu = true;
    private bool _gmem;
    private bool _pkvm;
    private bool _pkvmPrepared;
    private bool _sanitisePending;

    /// <summary>Creates the handler of <paramref name="vcpu"/>; <paramref name="holder"/> is its lock/SRCU identity.</summary>
    public FaultHandler(Kvm kvm, Vcpu vcpu, int holder)
    {
        _kvm = kvm;
        _vcpu = vcpu;
        _holder = holder;
    }

    /// <summary>The working state (read by the oracle and traces).</summary>
    public KvmS2Fault State { get; } = new();
    /// <summary>The current abort.</summary>
    public GuestAbort Abort => _abort;
    /// <summary>The hypervisor context once the memslot was looked up.</summary>
    public S2FaultDesc? Desc => _desc.Memslot is null ? null : _desc;
    /// <summary>True when the handler has finished the abort.</summary>
    public bool Finished { get; private set; } = true;
    /// <summary>What the handler did to stage 2.</summary>
    public FaultResult Result { get; private set; }
    /// <summary>The exit, or null when the guest re-enters (re-executing the access).</summary>
    public AccessExit? Exit { get; private set; }
    /// <summary>True when this abort marked its gfn dirty in the memslot's bitmap.</summary>
    public bool MarkedDirty { get; private set; }
    /// <summary>The FSC of the stage-2 fault injected into L1 (<c>inject-l1</c>), or null.</summary>
    public Fsc? InjectedL1Fsc { get; private set; }
    /// <summary>The phase the next step will complete.</summary>
    public FaultPhase Next => _next;

    /// <summary>Starts handling <paramref name="abort"/>.</summary>
    public void Begin(in GuestAbort abort)
    {
        _abort = abort;
        _desc = default;
        _next = FaultPhase.Classify;
        _accessFlagPath = false;
        _locked = false;
        _seqSnapshotPending = false;
        _touchAfterUnlock = null;
        _unownedSplit = false;
        _ownsSrcu = true;
        _gmem = false;
        _pkvm = false;
        _pkvmPrepared = false;
        _sanitisePending = false;
        InjectedL1Fsc = null;
        MarkedDirty = false;
        State.Reset();
        Finished = false;
        Result = FaultResult.None;
        Exit = null;
    }

    /// <summary>
    /// Starts the abort handler directly with a context its caller already looked up, as
    /// <c>kvm_arch_vcpu_pre_fault_memory</c> calls <c>user_mem_abort</c>: no classification, no memslot lookup, and
    /// SRCU belongs to the caller (it is not left at the complete boundary).
    /// </summary>
    public void BeginAt(in GuestAbort abort, S2FaultDesc desc)
    {
        Begin(abort);
        _desc = desc;
        _ownsSrcu = false;
        _kvm.Oracle.FaultLookedUp(_holder, this);
        _gmem = desc.Memslot.HasGmem;
        _next = _gmem ? FaultPhase.PfnFaultin : FaultPhase.VmaSnapshot;
    }

    /// <summary>Runs the next phase; returns the boundary reached, or a wait.</summary>
    public StepResult Step()
    {
        if (Finished) throw new InvalidOperationException("no abort in progress");
        switch (_next)
        {
            case FaultPhase.Classify:
                Exit = KvmHandleGuestAbort.Classify(_kvm.Config, _abort);
                if (Exit is not null) return Finish(srcu: false);
                return Reached(FaultPhase.Classify, FaultPhase.MemslotLookup);

            case FaultPhase.MemslotLookup:
                return MemslotLookup();

            case FaultPhase.VmaSnapshot:
                {
                    var ret = UserMemAbort.PrepareMemcache(State, _vcpu, _abort, _desc!, _kvm.Pgt.MinCachePages, _kvm.Bugs);
                    if (ret == Errno.Ok) ret = UserMemAbort.GetVmaInfo(State, _kvm.Mm, _kvm.Notifier, _desc!, _kvm.Bugs);
                    if (ret != Errno.Ok) return Fail(ret);
                    // Before 13ec9308a857 the sequence was read after mmap_read_unlock (next phase, before the pfn lookup).
                    _seqSnapshotPending = _kvm.Bugs.IsOn(MmuSeqSnapshotAfterVmaUnlock.Name);
                    return Reached(FaultPhase.VmaSnapshot, FaultPhase.PfnFaultin);
                }

            case FaultPhase.PfnFaultin:
                return _pkvm ? PkvmPinPage() : _gmem ? GmemPinPfn() : PinPfn();

            case FaultPhase.ProtComputed when _gmem:
                GmemAbort.ComputeProt(State, _kvm.Config, _abort, _desc!);
                return Reached(FaultPhase.ProtComputed, FaultPhase.MmuLock);

            case FaultPhase.ProtComputed:
                {
                    // The rule of entry 24: the snapshot must precede the pfn lookup; the bug reads it only now.
                    if (_kvm.Bugs.IsOn(MmuSeqSnapshotAfterFaultin.Name)) State.MmuSeq = _kvm.Notifier.MmuInvalidateSeq;
                    var injected = UserMemAbort.ComputeProt(State, _kvm.Config, _abort, _desc!, _kvm.Bugs, _kvm.Oracle);
                    if (injected == AccessExitKind.InjectExclAtomic)
                    {
                        // out_put_page: the injected fault must release the page like every early exit (e07fc9e2da91).
                        if (!_kvm.Bugs.IsOn(PageLeakOnExclAtomicFault.Name)) ReleasePage(unused: true);
                        Exit = new AccessExit(AccessExitKind.InjectExclAtomic);
                        return Finish(srcu: true);
                    }
                    if (State.Ret != Errno.Ok)
                    {
                        // 5f9466b50c1b: the PFNMAP attribute checks (-EFAULT cacheable without FWB+DIC, -ENOEXEC exec on
                        // non-cacheable) go to out_put_page too; before it they returned holding the page.
                        if (State.Ret is Errno.EFAULT or Errno.ENOEXEC && State.Vma.PfnMap && _kvm.Bugs.IsOn(PageLeakOnAttrMismatch.Name))
                            State.Page = null;
                        return Fail(State.Ret);
                    }
                    return Reached(FaultPhase.ProtComputed, FaultPhase.MmuLock);
                }

            case FaultPhase.MmuLock:
                // kvm_fault_lock: the read side (handle_access_fault always takes read too); pkvm_mem_abort takes the write side.
                if (_kvm.TakeMmuLock(_holder, _pkvm ? Locking.LockMode.Write : Locking.LockMode.Read, "kvm_fault_lock") is { } wait) return wait;
                _locked = true;
                // pkvm_mem_abort has no retry check: protected memory is outside the MMU notifier, the pin keeps the page.
                return Reached(FaultPhase.MmuLock, _accessFlagPath || _pkvm ? FaultPhase.Map : FaultPhase.RetryCheck);

            case FaultPhase.RetryCheck:
                // mmu_invalidate_retry: an invalidation in progress or a moved sequence (entry 25's switch lives there).
                if (_kvm.MmuInvalidateRetry(_holder, State.MmuSeq))
                {
                    State.Ret = Errno.EAGAIN;
                    Result = FaultResult.Retry;
                    return Complete();
                }
                // gmem_abort has no size decision: always PAGE_SIZE.
                return Reached(FaultPhase.RetryCheck, _gmem ? FaultPhase.Map : FaultPhase.ThpAdjust);

            case FaultPhase.ThpAdjust:
                UserMemAbort.AdjustSize(State, _kvm.Mm.PageTable, _abort, _desc!, _kvm.Bugs);
                // f587661f21eb: a write permission fault under logging uses the shared-lock fast path only when it can
                // relax (granule == PAGE_SIZE); before it, a block was split there by a walker not owning the entry.
                _unownedSplit = _kvm.Bugs.IsOn(SplitBlockUnderReadLock.Name) && _desc!.FaultIsPerm && _abort.Esr.IsWriteFault
                    && _desc.LoggingActive && _abort.Esr.PermFaultGranule > State.MapSize;
                if (State.Ret == Errno.EAGAIN)
                {
                    Result = FaultResult.Retry;
                    return Complete();
                }
                if (!_desc!.FaultIsPerm && !State.ForceNoncacheable && _kvm.Config.Mte)
                {
                    if (!State.Vma.MteAllowed) { State.Ret = Errno.EFAULT; return Complete(); }
                    _sanitisePending = true; // sanitise_mte_tags runs at the start of the map phase: it may wait
                }
                return Reached(FaultPhase.ThpAdjust, FaultPhase.Map);

            case FaultPhase.Map:
                if (_accessFlagPath)
                {
                    // kvm_pgtable_stage2_mkyoung; -EAGAIN (leaf gone) is ignored: the guest re-faults.
                    // handle_access_fault(vcpu, fault_ipa) on hw_mmu: the shadow stage 2 when nested.
                    Result = _kvm.S2Mkyoung(_holder, _abort.FaultIpa, _vcpu.HwPgt(_kvm.Pgt)) == Errno.Ok ? FaultResult.Young : FaultResult.Spurious;
                    if (Result == FaultResult.Young && _kvm.Bugs.IsOn(PageTouchedAfterMmuUnlock.Name))
                    {
                        // handle_access_fault before 2362506f7cff: read the pfn, drop mmu_lock, then mark it accessed.
                        _touchAfterUnlock = _kvm.Pgt.GetLeaf(_abort.FaultIpa).Leaf.PfnAt(_abort.FaultIpa);
                        _kvm.MmuLock.Release(_holder);
                        _locked = false;
                    }
                }
                else
                {
                    if (_sanitisePending)
                    {
                        if (UserMemAbort.SanitiseMteTags(State, _kvm.Phys, _holder, _kvm.Bugs, _kvm.Oracle) is { } initialiser)
                            return StepResult.BlockedOn("PG_mte_lock (try_page_mte_tagging)", [initialiser]);
                        _sanitisePending = false;
                    }
                    // Before 509552e65ae8 a writable fault marked its page dirty here, before the map had succeeded.
                    if (State.Writable && _kvm.Bugs.IsOn(DirtyMarkedBeforeMapSuccess.Name)) MarkPageDirty();
                    Result = _pkvm ? PkvmMemAbort.Map(State, _kvm, _holder)
                        : _gmem ? GmemAbort.Map(State, _kvm, _holder, _desc!)
                        : _unownedSplit ? SplitBlockUnowned() : UserMemAbort.MapOrRelax(State, _kvm, _holder, _abort, _desc!);
                    if (Result is FaultResult.Map or FaultResult.Relax) _kvm.Oracle.FaultMapped(_holder, _abort, _desc!, State, Result == FaultResult.Relax);
                }
                return Reached(FaultPhase.Map, FaultPhase.Complete);

            case FaultPhase.Complete:
                return Complete();
        }
        throw new InvalidOperationException($"bad phase {_next}");
    }

    /// <summary>The split of <c>split-block-under-read-lock</c>: the block seen at the thp-adjust phase is replaced unconditionally.</summary>
    private FaultResult SplitBlockUnowned()
    {
        var granule = _abort.Esr.PermFaultGranule;
        var level = Stage2.Stage2PageTable.LastLevel - (System.Numerics.BitOperations.Log2(granule) - Sizes.PageShift) / (Sizes.PageShift - 3);
        State.Ret = _kvm.S2SplitBlockUnowned(_holder, State.FaultIpa.AlignDown(granule), level, State.FaultIpa, State.Pfn, State.Prot, State.Memcache);
        return State.Ret == Errno.Ok ? FaultResult.Map : FaultResult.None;
    }

    private StepResult MemslotLookup()
    {
        _kvm.Srcu.ReadLock(_holder);
        Nested.KvmS2Trans? nested = null;
        if (_vcpu.Nested is { } mmu)
        {
            // kvm_walk_nested_s2, then kvm_s2_handle_perm_fault: a fault L1 owns is injected into L1 (kvm_inject_s2_fault)
            // with the level of L1's walk, and the vCPU is back in L1's virtual EL2.
            var (trans, walkFsc) = Nested.KvmWalkNestedS2.Walk(mmu, _abort.FaultIpa);
            var inject = trans is { } t ? Nested.KvmWalkNestedS2.HandlePermFault(_abort, t) : walkFsc;
            if (inject is { } fsc)
            {
                InjectedL1Fsc = fsc;
                _vcpu.Nested = null;
                Exit = new AccessExit(AccessExitKind.InjectL1);
                return Finish(srcu: true);
            }
            nested = trans;
        }
        // The memslot is looked up with the canonical ipa (the L1 output when nested); the leaf goes at fault_ipa.
        var (slot, hva, writable) = KvmHandleGuestAbort.LookupMemslot(_kvm.Memslots, nested?.Output ?? _abort.FaultIpa);
        Exit = KvmHandleGuestAbort.NotRam(_abort, hva, writable);
        if (Exit is not null) return Finish(srcu: true);
        _desc = new S2FaultDesc(_vcpu.Index, _abort.FaultIpa, slot!, hva!.Value, _abort.Esr.Fsc.IsPermission(), Nested: nested);
        _kvm.Oracle.FaultLookedUp(_holder, this);
        if (_abort.Esr.Fsc.IsAccessFlag())
        {
            _accessFlagPath = true;
            return Reached(FaultPhase.MemslotLookup, FaultPhase.MmuLock);
        }
        // kvm_handle_guest_abort's dispatch, after the access-flag path on purpose (protected guests must only take
        // translation faults): kvm_vm_is_protected -> pkvm_mem_abort, kvm_slot_has_gmem -> gmem_abort, else user_mem_abort.
        _pkvm = _kvm.Config.Protected;
        if (_pkvm) return Reached(FaultPhase.MemslotLookup, FaultPhase.PfnFaultin);
        _gmem = slot!.HasGmem;
        return Reached(FaultPhase.MemslotLookup, _gmem ? FaultPhase.PfnFaultin : FaultPhase.VmaSnapshot);
    }

    private StepResult PinPfn()
    {
        if (_seqSnapshotPending)
        {
            State.MmuSeq = _kvm.Notifier.MmuInvalidateSeq;
            _seqSnapshotPending = false;
        }
        var r = UserMemAbort.PinPfn(State, _kvm.Mm, _abort, _desc!, _kvm.Bugs);
        if (r.Status == HostFaultStatus.NeedsCowBreak)
        {
            if (BreakCow(r) is { } wait) return wait;
            r = UserMemAbort.PinPfn(State, _kvm.Mm, _abort, _desc!, _kvm.Bugs);
        }
        if (State.Page is not null) _kvm.Oracle.PageReferenced(_holder, State.Page);
        if (r.Status != HostFaultStatus.Ok) return Fail(State.Ret);
        return Reached(FaultPhase.PfnFaultin, FaultPhase.ProtComputed);
    }

    /// <summary>
    /// The host's copy-on-write break changes a present PTE: it runs a full MMU-notifier invalidation (taking
    /// mmu_lock for write) inside <c>__kvm_faultin_pfn</c> / <c>pin_user_pages</c>. Null when done, else the wait.
    /// </summary>
    private StepResult? BreakCow(in HostFaultIn r)
    {
        if (_kvm.TakeMmuLock(_holder, Locking.LockMode.Write, "copy-on-write invalidation") is { } wait) return wait;
        _kvm.Notifier.ActiveInvalidateStart();
        _kvm.InvalidateRangeStart(_holder, r.CowStart, r.CowEnd);
        _kvm.Mm.BreakCow(_desc!.Memslot.GfnToHva(State.Gfn));
        _kvm.InvalidateRangeEnd(_holder, r.CowStart, r.CowEnd);
        _kvm.Notifier.ActiveInvalidateEnd();
        _kvm.MmuLock.Release(_holder);
        return null;
    }

    /// <summary>Early exit before the lock (<c>out_put_page</c>): release the page unused.</summary>
    private StepResult Fail(Errno ret)
    {
        State.Ret = ret;
        return Complete();
    }

    /// <summary>The unlock exit: release under the lock, unlock, mark dirty, leave SRCU.</summary>
    private StepResult Complete()
    {
        var ok = State.Ret == Errno.Ok;
        // kvm_release_faultin_page happens with mmu_lock held so a dirty mark cannot race with writeback.
        ReleasePage(unused: !ok, dirty: State.Writable);
        if (_locked)
        {
            _kvm.MmuLock.Release(_holder);
            _locked = false;
        }
        // 509552e65ae8: mark dirty only once the map or relax succeeded.
        if (ok && State.Writable && !_accessFlagPath && !_kvm.Bugs.IsOn(DirtyMarkedBeforeMapSuccess.Name)) MarkPageDirty();
        if (_touchAfterUnlock is { } touched)
        {
            // kvm_set_pfn_accessed after write_unlock (handle_access_fault before 2362506f7cff).
            _touchAfterUnlock = null;
            _kvm.Oracle.PageTouched(_holder, touched);
        }
        Exit ??= KvmHandleGuestAbort.MapReturn(State.Ret, State.SigbusLsb);
        return Finish(srcu: true);
    }

    /// <summary><c>mark_page_dirty_in_slot</c> for the fault's gfn, in the slot it looked up.</summary>
    private void MarkPageDirty()
    {
        var slot = _desc!.Memslot;
        if (!slot.DirtyTrackEnabled || slot.DirtyBitmap is null || !slot.Contains(State.Gfn)) return;
        slot.DirtyBitmap.Set(State.Gfn - slot.BaseGfn);
        MarkedDirty = true;
    }

    private void ReleasePage(bool unused, bool dirty = false)
    {
        var page = State.Page;
        if (page is null) return;
        State.Page = null;
        _kvm.Oracle.PageReleased(_holder, page, _kvm.Mm.PutPage(page, dirty && !unused));
    }

    private StepResult Reached(FaultPhase done, FaultPhase next)
    {
        _next = next;
        return StepResult.Progress(done.Name());
    }

    private StepResult Finish(bool srcu)
    {
        if (srcu && _ownsSrcu) _kvm.Srcu.ReadUnlock(_holder);
        Finished = true;
        _kvm.Oracle.FaultCompleted(_holder, this);
        return StepResult.Progress(FaultPhase.Complete.Name());
    }
}
