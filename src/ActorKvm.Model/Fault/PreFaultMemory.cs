using ActorKvm.Model.Arch;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// <c>KVM_PRE_FAULT_MEMORY</c> on one vCPU: the generic loop of <c>kvm_vcpu_pre_fault_memory</c> (virt/kvm/kvm_main.c)
/// around arm64's <c>kvm_arch_vcpu_pre_fault_memory</c> (the v5 posting the maintainers asked for), one phase per
/// <see cref="Activity.Step"/>. Each call: refuse protected vCPUs; target the canonical stage 2 even when the vCPU runs
/// an L2 guest; -ENOENT beyond the IPA space or without a memslot, -EAGAIN for a slot being deleted or moved; under
/// the read <c>mmu_lock</c>, an existing leaf is not replayed (only its access flag is set) and otherwise the walk's
/// level is recorded; then a synthetic read translation fault at that level goes to <c>gmem_abort</c> or
/// <c>user_mem_abort</c> with <c>prefault = true</c>.
/// </summary>
/// <remarks>
/// Phases reported: <c>memslot-lookup</c> (the per-call checks and the slot), <c>mmu-lock</c> (the leaf check under
/// the lock), then the handler's own phases from <c>vma-snapshot</c> to <c>complete</c>. SRCU is held for the whole
/// ioctl, as the generic loop does, so a memslot change waits for it in <c>synchronize_srcu</c>. The handler is this
/// ioctl's own: the vCPU's fault registers (ESR/FAR/HPFAR of a pending guest abort) are never touched.
/// </remarks>
public sealed class PreFaultMemory : Activity
{
    private readonly KvmHandleGuestAbort _handler;
    private readonly List<FaultResult> _faults = [];
    private Stage _stage;
    private Memslots.Memslot? _slot;
    private Hva _hva;
    private ulong _pageSize;
    private int _leaves;

    private enum Stage { Start, Lookup, LeafCheck, Handler }

    /// <summary>Creates the ioctl for <paramref name="gpa"/>..+<paramref name="size"/>; it starts on the first step.</summary>
    public PreFaultMemory(Kvm kvm, int id, Vcpu vcpu, Ipa gpa, ulong size) : base(kvm, id)
    {
        Vcpu = vcpu;
        Gpa = gpa;
        Size = size;
        NextGpa = gpa;
        Remaining = size;
        _handler = new KvmHandleGuestAbort(kvm, vcpu, id);
    }

    /// <summary>The vCPU whose ioctl this is.</summary>
    public Vcpu Vcpu { get; }
    /// <summary><c>range.gpa</c> as given.</summary>
    public Ipa Gpa { get; }
    /// <summary><c>range.size</c> as given.</summary>
    public ulong Size { get; }
    /// <summary><c>range.gpa</c> as updated in place (where userspace would resume).</summary>
    public Ipa NextGpa { get; internal set; }
    /// <summary><c>range.size</c> as updated in place.</summary>
    public ulong Remaining { get; internal set; }
    /// <summary>Bytes processed: the range the ioctl advanced over (a retried chunk counts, as in the kernel).</summary>
    public ulong Processed => Size - Remaining;
    /// <summary>The ioctl's return: Ok when at least one page was processed, else the error that stopped it.</summary>
    public Errno Result { get; internal set; }
    /// <summary>The error that stopped the loop (Ok when the whole range was processed).</summary>
    public Errno StoppedBy { get; internal set; }
    /// <summary>Results of the synthetic faults handled, in order (an existing leaf adds none).</summary>
    public IReadOnlyList<FaultResult> Faults => _faults;
    /// <summary>The synthetic aborts raised, in order (their FSC level is where the walk stopped).</summary>
    public List<GuestAbort> Aborts { get; } = [];
    /// <summary>The handler of the current synthetic fault.</summary>
    public KvmHandleGuestAbort Handler => _handler;

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        if (IsDone) throw new InvalidOperationException("pre-fault already finished");
        switch (_stage)
        {
            case Stage.Start:
                // kvm_vcpu_pre_fault_memory: page-aligned, non-empty, no wrap; then vcpu_load and srcu_read_lock.
                if (!Gpa.IsAligned(Sizes.PageSize) || (Size & (Sizes.PageSize - 1)) != 0 || Gpa.Value + Size <= Gpa.Value)
                    return Stop(Errno.EINVAL, srcu: false);
                Kvm.Srcu.ReadLock(Id);
                _stage = Stage.Lookup;
                goto case Stage.Lookup;

            case Stage.Lookup:
                return Lookup();

            case Stage.LeafCheck:
                return LeafCheck();

            default:
                {
                    var r = _handler.Step();
                    if (r.Status == StepStatus.Blocked || !_handler.Finished) return r;
                    if (_handler.Result != FaultResult.None) _faults.Add(_handler.Result);
                    var ret = _handler.State.Ret;
                    // user_mem_abort's -EAGAIN (a retry, or map finding the entry changed) is 0: progress of PAGE_SIZE.
                    if (ret is not (Errno.Ok or Errno.EAGAIN)) return Stop(ret, srcu: true, r.Phase);
                    // *page_size is written only when the map step installed the mapping.
                    if (_handler.Result == FaultResult.Map) _pageSize = _handler.State.MapSize;
                    return Advance(r.Phase!);
                }
        }
    }

    /// <summary>The per-call checks of <c>kvm_arch_vcpu_pre_fault_memory</c> up to the memslot.</summary>
    private StepResult Lookup()
    {
        // "userspace may act silly": the capability is hidden for protected VMs, the runtime check stays.
        if (Kvm.Config.Protected) return Stop(Errno.EOPNOTSUPP, srcu: true);
        // The vCPU may be running L2: the ioctl always populates the canonical stage 2 (kvm_arch_vcpu_put/load onto
        // &kvm->arch.mmu); gpa is an L1 IPA, never an L2 one. The model's pre-fault only ever uses Kvm.Pgt.
        var gpa = NextGpa;
        if (gpa.Value >= Kvm.Config.PhysSize) return Stop(Errno.ENOENT, srcu: true);
        var slot = Kvm.Memslots.Find(Gfn.Of(gpa));
        if (slot is null) return Stop(Errno.ENOENT, srcu: true);
        // KVM_MEMSLOT_INVALID: a delete or move is in flight.
        if (slot.Invalid) return Stop(Errno.EAGAIN, srcu: true);
        _slot = slot;
        _stage = Stage.LeafCheck;
        return StepResult.Progress(FaultPhase.MemslotLookup.Name());
    }

    /// <summary>
    /// Under the read lock: <c>kvm_pgtable_get_leaf</c>. A valid leaf is not replayed ("if a mapping exists, you probably
    /// don't want to replay the fault"); its access flag is set if clear. Otherwise the abort is built with the level the
    /// walk stopped at, as hardware would report it, and the handler starts once the lock is dropped.
    /// </summary>
    private StepResult LeafCheck()
    {
        if (Kvm.TakeMmuLock(Id, LockMode.Read, "kvm_arch_vcpu_pre_fault_memory") is { } wait) return wait;
        var gpa = NextGpa;
        var walk = Kvm.Pgt.GetLeaf(gpa);
        if (walk.Valid)
        {
            // handle_access_fault(vcpu, gpa) for an old leaf: on arm64 every pre-faulted leaf ends up Accessed.
            if (!walk.Leaf.Young) Kvm.S2Mkyoung(Id, gpa);
            Kvm.MmuLock.Release(Id);
            _pageSize = walk.Leaf.Size;
            return Advance(FaultPhase.MmuLock.Name());
        }
        Kvm.MmuLock.Release(Id);

        // A read translation fault at the walk level: ESR = DABT_LOW | IL | FSC_FAULT_L(level); HPFAR = NS | FIPA(gpa).
        var abort = GuestAbort.At(gpa, Esr.Make(Esr.EcDabtLow, FscCodes.Translation(walk.Level), isv: false));
        Aborts.Add(abort);
        var slot = _slot!;
        _hva = slot.GfnToHva(Gfn.Of(gpa));
        _pageSize = Sizes.PageSize;
        var desc = new S2FaultDesc(Vcpu.Index, gpa, slot, _hva, FaultIsPerm: false, Prefault: true);
        // Straight to the abort handler, skipping kvm_handle_guest_abort: gmem_abort for a guest_memfd slot, else user_mem_abort.
        _handler.BeginAt(abort, desc);
        _stage = Stage.Handler;
        return StepResult.Progress(FaultPhase.MmuLock.Name());
    }

    /// <summary>
    /// The most calls of <c>kvm_arch_vcpu_pre_fault_memory</c> (one leaf each) one ioctl makes before it returns with the
    /// rest of the range, as the kernel's loop does when a signal is pending (<c>-EINTR</c>, reported as success once a
    /// page was processed). The kernel bounds the loop only by signals and host memory, and a legal slot is up to
    /// <c>KVM_MEM_MAX_NR_PAGES</c> pages: the model's work per ioctl must not follow a number in the input. Userspace
    /// re-issues the ioctl with the updated range (pre_fault_memory_test.c does).
    /// </summary>
    public const int MaxLeavesPerCall = 65_536;

    /// <summary>The loop's advance: <c>min(size, ALIGN_DOWN(gpa, page_size) + page_size - gpa)</c>, then the next call.</summary>
    private StepResult Advance(string phase)
    {
        var gpa = NextGpa.Value;
        var step = Math.Min(Remaining, (gpa & ~(_pageSize - 1)) + _pageSize - gpa);
        NextGpa = new Ipa(gpa + step);
        Remaining -= step;
        if (Remaining == 0) return Stop(Errno.Ok, srcu: true, phase);
        // signal_pending(current) at the top of the next iteration.
        if (++_leaves == MaxLeavesPerCall) return Stop(Errno.EINTR, srcu: true, phase);
        _stage = Stage.Lookup;
        return StepResult.Progress(phase);
    }

    /// <summary>Ends the ioctl: success if at least one page was processed, else the error (<c>full_size == range->size ? r : 0</c>).</summary>
    private StepResult Stop(Errno r, bool srcu, string? phase = null)
    {
        if (srcu) Kvm.Srcu.ReadUnlock(Id);
        StoppedBy = r;
        Result = Remaining == Size ? r : Errno.Ok;
        return StepResult.Finished(phase);
    }

    /// <inheritdoc/>
    /// <remarks>Its synthetic fault's phases; the ioctl's end (null) is its fault's end, early or not.</remarks>
    public override KernelLocks Declares(string? phase) => FaultLocks.Of(phase ?? PhaseNames.Fault[(int)FaultPhase.Complete]);
}
