using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// <c>kvm_handle_guest_abort</c> on one vCPU, one phase per <see cref="Step"/>: the classification before SRCU
/// ([classify]), the nested walk and memslot lookup under SRCU ([memslot-lookup]), then one dispatch, in the kernel's
/// order, to the handler that runs the rest through its own phase list: <see cref="HandleAccessFault"/> for an
/// access-flag fault, <see cref="PkvmMemAbort"/> for a protected VM, <see cref="GmemAbort"/> for a guest_memfd slot,
/// <see cref="UserMemAbort"/> otherwise. Every path ends at the <c>complete</c> boundary. Reused across aborts; each
/// handler is made on first use and reused, so the steady state does not allocate.
/// </summary>
public sealed class KvmHandleGuestAbort
{
    private GuestAbort _abort;
    private S2FaultDesc _desc; // default (no memslot) until the lookup
    private FaultPhase _next;
    private bool _ownsSrcu = true;
    private AbortHandler? _handler;
    private UserMemAbort? _userMemAbort;
    private GmemAbort? _gmemAbort;
    private PkvmMemAbort? _pkvmMemAbort;
    private HandleAccessFault? _handleAccessFault;
    private PreFixFaultState? _preFix;

    /// <summary>Creates the handler of <paramref name="vcpu"/>; <paramref name="holder"/> is its lock/SRCU identity.</summary>
    public KvmHandleGuestAbort(Kvm kvm, Vcpu vcpu, int holder)
    {
        Kvm = kvm;
        Vcpu = vcpu;
        Holder = holder;
    }

    internal Kvm Kvm { get; }
    internal Vcpu Vcpu { get; }
    internal int Holder { get; private set; }

    /// <summary>Hands the finished handler to the vCPU's next access, whose id is <paramref name="holder"/> (see <see cref="GuestAccess"/>).</summary>
    internal void Rebind(int holder)
    {
        if (!Finished) throw new InvalidOperationException($"handler of {Holder} is still handling an abort");
        Holder = holder;
        // Exactly a new handler's state (traces read it even for an access that never faults); the per-dispatch
        // handlers stay, as they do across aborts.
        Begin(default);
        _next = default;
        _preFix = null;
        Finished = true;
    }
    internal S2FaultDesc S2fd => _desc;
    internal ref readonly GuestAbort AbortRef => ref _abort;
    /// <summary>State of the pre-fix variants, if any switch made one (see <see cref="PreFixFaultState"/>).</summary>
    internal PreFixFaultState? PreFixState => _preFix;
    /// <summary>The pre-fix state, made on first use: only a bug switch asks for it.</summary>
    internal PreFixFaultState PreFix => _preFix ??= new();

    /// <summary>The working state (read by the oracle and traces).</summary>
    public KvmS2Fault State { get; } = new();
    /// <summary>The current abort.</summary>
    public GuestAbort Abort => _abort;
    /// <summary>The hypervisor context once the memslot was looked up.</summary>
    public S2FaultDesc? Desc => _desc.Memslot is null ? null : _desc;
    /// <summary>The handler this abort was dispatched to, or null before (or without) the dispatch.</summary>
    public AbortHandler? Handler => _handler;
    /// <summary>True when the handler has finished the abort.</summary>
    public bool Finished { get; private set; } = true;
    /// <summary>What the handler did to stage 2.</summary>
    public FaultResult Result { get; internal set; }
    /// <summary>The exit, or null when the guest re-enters (re-executing the access).</summary>
    public AccessExit? Exit { get; internal set; }
    /// <summary>True when this abort marked its gfn dirty in the memslot's bitmap.</summary>
    public bool MarkedDirty { get; internal set; }
    /// <summary>The FSC of the stage-2 fault injected into L1 (<c>inject-l1</c>), or null.</summary>
    public Fsc? InjectedL1Fsc { get; private set; }
    /// <summary>The phase the next step will complete.</summary>
    public FaultPhase Next => _handler?.Next ?? _next;
    /// <summary>True when this abort entered the SRCU read section itself (not a pre-fault, whose ioctl holds it).</summary>
    internal bool OwnsSrcu => _ownsSrcu;

    /// <summary>Starts handling <paramref name="abort"/>.</summary>
    public void Begin(in GuestAbort abort)
    {
        _abort = abort;
        _desc = default;
        _next = FaultPhase.Classify;
        _ownsSrcu = true;
        _handler = null;
        _preFix?.Reset();
        InjectedL1Fsc = null;
        MarkedDirty = false;
        State.Reset();
        Finished = false;
        Result = FaultResult.None;
        Exit = null;
    }

    /// <summary>
    /// Starts the abort handler directly with a context its caller already looked up, as
    /// <c>kvm_arch_vcpu_pre_fault_memory</c> calls <c>gmem_abort</c> or <c>user_mem_abort</c>: no classification, no
    /// memslot lookup, and SRCU belongs to the caller (it is not left at the complete boundary).
    /// </summary>
    public void BeginAt(in GuestAbort abort, S2FaultDesc desc)
    {
        Begin(abort);
        _desc = desc;
        _ownsSrcu = false;
        Kvm.Oracle.FaultLookedUp(Holder, this);
        Dispatch(desc.Memslot.HasGmem ? _gmemAbort ??= new(this) : _userMemAbort ??= new(this));
    }

    /// <summary>Runs the next phase; returns the boundary reached, or a wait.</summary>
    public StepResult Step()
    {
        if (Finished) throw new InvalidOperationException("no abort in progress");
        if (_handler is { } handler) return handler.Step();
        switch (_next)
        {
            case FaultPhase.Classify:
                Exit = Classify(Kvm.Config, _abort);
                if (Exit is not null) return Finish(srcu: false);
                _next = FaultPhase.MemslotLookup;
                return StepResult.Progress(FaultPhase.Classify.Name());
            case FaultPhase.MemslotLookup:
                return MemslotLookup();
        }
        throw new InvalidOperationException($"bad phase {_next}");
    }

    private StepResult MemslotLookup()
    {
        Kvm.Srcu.ReadLock(Holder);
        Nested.KvmS2Trans? nested = null;
        if (Vcpu.Nested is { } mmu)
        {
            // kvm_walk_nested_s2, then kvm_s2_handle_perm_fault: a fault L1 owns is injected into L1 (kvm_inject_s2_fault)
            // with the level of L1's walk, and the vCPU is back in L1's virtual EL2.
            var (trans, walkFsc) = Nested.KvmWalkNestedS2.Walk(mmu, _abort.FaultIpa);
            var inject = trans is { } t ? Nested.KvmWalkNestedS2.HandlePermFault(_abort, t) : walkFsc;
            if (inject is { } fsc)
            {
                InjectedL1Fsc = fsc;
                Vcpu.Nested = null;
                Exit = new AccessExit(AccessExitKind.InjectL1);
                return Finish(srcu: true);
            }
            nested = trans;
        }
        // The memslot is looked up with the canonical ipa (the L1 output when nested); the leaf goes at fault_ipa.
        var (slot, hva, writable) = LookupMemslot(Kvm.Memslots, nested?.Output ?? _abort.FaultIpa);
        Exit = NotRam(Kvm.Config, _abort, hva, writable);
        if (Exit is not null) return Finish(srcu: true);
        _desc = new S2FaultDesc(Vcpu.Index, _abort.FaultIpa, slot!, hva!.Value, _abort.Esr.Fsc.IsPermission(), Nested: nested);
        Kvm.Oracle.FaultLookedUp(Holder, this);
        // The access-flag fault first, on purpose (protected guests must only take translation faults); then
        // kvm_vm_is_protected -> pkvm_mem_abort, kvm_slot_has_gmem -> gmem_abort, else user_mem_abort.
        if (_abort.Esr.Fsc.IsAccessFlag()) Dispatch(_handleAccessFault ??= new(this));
        else if (Kvm.Config.Protected) Dispatch(_pkvmMemAbort ??= new(this));
        else if (slot!.HasGmem) Dispatch(_gmemAbort ??= new(this));
        else Dispatch(_userMemAbort ??= new(this));
        return StepResult.Progress(FaultPhase.MemslotLookup.Name());
    }

    private void Dispatch(AbortHandler handler)
    {
        _handler = handler;
        handler.Start();
    }

    /// <summary>The abort is done: leave SRCU (when this handler took it) and tell the oracle.</summary>
    internal StepResult Finish(bool srcu)
    {
        if (srcu && _ownsSrcu) Kvm.Srcu.ReadUnlock(Holder);
        Finished = true;
        Kvm.Oracle.FaultCompleted(Holder, this);
        return StepResult.Progress(FaultPhase.Complete.Name());
    }

    /// <summary>
    /// Checks made before SRCU is taken: SEA first, then out-of-range translation faults, then the
    /// unsupported-FSC filter. Returns the exit, or null to go on to the memslot lookup.
    /// </summary>
    public static AccessExit? Classify(KvmConfig config, in GuestAbort abort)
    {
        var fsc = abort.Esr.Fsc;
        // kvm_handle_guest_sea: no firmware-first handler claims it here, so an SError is injected.
        if (fsc.IsSea()) return new AccessExit(AccessExitKind.InjectSerror);

        if (fsc.IsTranslation())
        {
            if (abort.FaultIpa.Value >= 1UL << config.IpaLimit) return new AccessExit(AccessExitKind.InjectSizeFault);
            // Beyond this VM's IPA size but within PARange: kvm_inject_sea (prefetch abort for IABT).
            if (abort.FaultIpa.Value >= config.PhysSize)
                return new AccessExit(abort.Esr.IsIabt ? AccessExitKind.InjectIabt : AccessExitKind.InjectDabt);
        }

        // The exclusive/atomic FSC is let through: user_mem_abort injects it with a valid memslot.
        if (!fsc.IsTranslation() && !fsc.IsPermission() && !fsc.IsAccessFlag() && !fsc.IsExclAtomic())
            return AccessExit.Fail(Errno.EFAULT);
        return null;
    }

    /// <summary>
    /// Rule 1.2.8, "not RAM or not writable RAM": with no usable HVA, or a write to a read-only slot, the
    /// abort is an instruction abort (→ -ENOEXEC → prefetch abort), a stage-1 walk (→ data abort), cache
    /// maintenance outside any slot (skipped: only there, a CM write to a read-only slot is emulated), or emulated
    /// (<see cref="IoMemAbort"/>). Returns null when the access targets RAM.
    /// </summary>
    public static AccessExit? NotRam(KvmConfig config, in GuestAbort abort, Hva? hva, bool writable)
    {
        var write = abort.Esr.IsWriteFault;
        if (hva is not null && !(write && !writable)) return null;
        if (abort.Esr.IsIabt) return new AccessExit(AccessExitKind.InjectIabt);
        if (abort.Esr.IsS1Ptw) return new AccessExit(AccessExitKind.InjectDabt);
        if (hva is null && abort.Esr.IsCm) return new AccessExit(AccessExitKind.SkipCm);
        return IoMemAbort.Emulate(config, abort);
    }

    /// <summary>The memslot and HVA for the canonical IPA (<c>gfn_to_memslot</c> + <c>gfn_to_hva_memslot_prot</c>).</summary>
    public static (Memslot? Slot, Hva? Hva, bool Writable) LookupMemslot(MemslotSet slots, Ipa ipa)
    {
        var gfn = Gfn.Of(ipa);
        var slot = slots.Find(gfn);
        var hva = MemslotSet.GfnToHvaProt(slot, gfn, out var writable);
        return (slot, hva, writable);
    }

    /// <summary>Rule 1.2.12: a handler's return code as seen by <c>KVM_RUN</c> (null = re-enter the guest).</summary>
    public static AccessExit? MapReturn(Errno ret, int sigbusLsb) => ret switch
    {
        Errno.Ok or Errno.EAGAIN => null,
        Errno.EHWPOISON when sigbusLsb >= 0 => new AccessExit(AccessExitKind.SigbusHwpoison),
        Errno.ENOEXEC => new AccessExit(AccessExitKind.InjectIabt),
        _ => AccessExit.Fail(ret),
    };
}
