using ActorKvm.Model.Arch;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// One guest access on one vCPU: the hardware's stage-2 walk, the abort it raises when stage 2 does not
/// permit the access, the handler's phases, and the guest re-executing the access after a handled fault —
/// so one access may take several faults. After a retry that found an invalidation in progress the vCPU
/// waits for its <c>range-end</c> (the spinning is recorded as one retry).
/// </summary>
public sealed class GuestAccess : Activity
{
    /// <summary>Faults after which an access that makes no progress is reported as a livelock.</summary>
    public const int MaxFaults = 32;

    private readonly KvmHandleGuestAbort _handler;
    private readonly List<FaultResult> _faults;
    private bool _inFault;
    private bool _waitInvalidation;

    /// <summary>Creates the access; it starts on the first <see cref="Activity.Step"/>.</summary>
    public GuestAccess(Kvm kvm, int id, Vcpu vcpu, Ipa gpa, AccessKind kind, ulong value)
        : base(kvm, id)
    {
        Vcpu = vcpu;
        (Gpa, Kind, Value) = (gpa, kind, value);
        _handler = new KvmHandleGuestAbort(kvm, vcpu, id);
        _faults = [];
        Pgt = vcpu.HwPgt(kvm.Pgt);
    }

    /// <summary>
    /// Makes this finished access the same vCPU's next one, with id <paramref name="id"/>, exactly as a new access would
    /// start: a driver that has read everything it wanted from it pools one access per vCPU instead of allocating one per
    /// access (with its fault handler and fault list, the workload's largest per-access cost). Whoever still holds it
    /// now holds the new access.
    /// </summary>
    public GuestAccess Restart(int id, Ipa gpa, AccessKind kind, ulong value)
    {
        Restart(id);
        (Gpa, Kind, Value) = (gpa, kind, value);
        (Exit, ReadValue, _inFault, _waitInvalidation) = (default, 0, false, false);
        _faults.Clear();
        _handler.Rebind(id); // a finished access's handler has finished its abort (it throws otherwise)
        Pgt = Vcpu.HwPgt(Kvm.Pgt);
        return this;
    }

    /// <summary>The stage 2 the hardware walks for this access: the vCPU's shadow when it runs L2 (keyed by L2 IPA).</summary>
    public Stage2PageTable Pgt { get; private set; }

    /// <summary>The vCPU.</summary>
    public Vcpu Vcpu { get; }
    /// <summary>The accessed IPA.</summary>
    public Ipa Gpa { get; private set; }
    /// <summary>The access kind.</summary>
    public AccessKind Kind { get; private set; }
    /// <summary>The value a write stores.</summary>
    public ulong Value { get; private set; }
    /// <summary>Handler results, one per fault taken.</summary>
    public IReadOnlyList<FaultResult> Faults => _faults;
    /// <summary>How the access ended.</summary>
    public AccessExit Exit { get; private set; }
    /// <summary>The value a read returned.</summary>
    public ulong ReadValue { get; private set; }
    /// <summary>The fault handler (its phase and state), for traces and gates.</summary>
    public KvmHandleGuestAbort Handler => _handler;

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        if (IsDone) throw new InvalidOperationException("access already finished");
        if (_waitInvalidation)
        {
            if (Kvm.Notifier.MmuInvalidateInProgress != 0)
                return StepResult.BlockedOn(WaitFor.Invalidation, "invalidation in progress", Kvm.ActiveInvalidations.Select(a => a.Holder).Distinct());
            _waitInvalidation = false;
        }

        if (!_inFault)
        {
            var esr = HardwareWalk(out var leaf);
            if (esr is null)
            {
                Perform(leaf);
                Kvm.Oracle.AccessCompleted(Pgt, Gpa, Kind, ReadValue);
                return StepResult.Finished(null);
            }
            Kvm.Oracle.AbortRaised(Pgt, Gpa, Kind, esr.Value);
            var faults = _faults;
            if (faults.Count >= MaxFaults)
            {
                Exit = new AccessExit(AccessExitKind.Livelock);
                // P1: a fault may repeat while real concurrent changes make it retry (each retry means the invalidation
                // sequence moved or an invalidation was in progress) — contention, as on real hardware. Repeating with
                // nothing changing (no retry at all) is the livelock the oracle reports.
                if (!faults.Contains(FaultResult.Retry))
                    Kvm.Oracle.Report(Oracle.ViolationKind.NoProgress, $"access at {Gpa} on vCPU {Vcpu.Index} took {MaxFaults} faults without completing, none of them a retry", Gpa.Value, 3);
                return StepResult.Finished(null);
            }
            Handler.Begin(GuestAbort.At(Gpa, esr.Value));
            _inFault = true;
        }

        var handler = Handler;
        var r = handler.Step();
        if (r.Status == StepStatus.Blocked || !handler.Finished) return r;

        _inFault = false;
        if (handler.Result != FaultResult.None) _faults.Add(handler.Result);
        if (handler.Exit is { } exit)
        {
            Exit = exit;
            return StepResult.Finished(r.Phase);
        }
        if (handler.Result == FaultResult.Retry && Kvm.Notifier.MmuInvalidateInProgress != 0) _waitInvalidation = true;
        return r;
    }

    /// <summary>
    /// The stage-2 walk the hardware does for this access: null when it is permitted, else the syndrome of
    /// the fault it raises (translation at the level the walk stopped, then access flag, then permission, then
    /// an exclusive/atomic access to memory that does not support it).
    /// </summary>
    private Esr? HardwareWalk(out S2Leaf leaf)
    {
        var ec = Kind == AccessKind.Exec ? Esr.EcIabtLow : Esr.EcDabtLow;
        // Stores, atomics and cache maintenance report WnR = 1; only single-register loads and stores a valid syndrome.
        var wnr = Kind.IsWnR();
        var cm = Kind == AccessKind.Cmo;
        var isv = Kind.HasValidSyndrome();
        leaf = default;
        if (Gpa.Value >= Kvm.Config.PhysSize)
            return Esr.Make(ec, FscCodes.Translation(Pgt.StartLevel), wnr, cm: cm, isv: isv);
        var walk = Pgt.GetLeaf(Gpa);
        if (!walk.Valid) return Esr.Make(ec, FscCodes.Translation(walk.Level), wnr, cm: cm, isv: isv);
        leaf = walk.Leaf;
        if (!leaf.Young && !Kvm.Config.HwAf) return Esr.Make(ec, FscCodes.AccessFlag(leaf.Level), wnr, cm: cm, isv: isv);
        var needed = Kind switch
        {
            AccessKind.Exec => S2Prot.X,
            AccessKind.Write or AccessKind.StoreNoSyndrome or AccessKind.Atomic or AccessKind.TagWrite => S2Prot.W,
            _ => S2Prot.R,
        };
        if ((leaf.Prot & needed) != needed) return Esr.Make(ec, FscCodes.Permission(leaf.Level), wnr, cm: cm, isv: isv);
        if (Kind == AccessKind.Atomic && leaf.MemType != MemType.Normal && !Kvm.Config.Ls64Wb)
            return Esr.Make(ec, Fsc.ExclAtomic, wnr, isv: isv);
        return null;
    }

    private void Perform(in S2Leaf leaf)
    {
        // VTCR_EL2.HA: the walker sets the access flag itself (hardware, not a KVM update under mmu_lock).
        if (!leaf.Young && Kvm.Config.HwAf) Pgt.Mkyoung(Gpa);
        var pfn = leaf.PfnAt(Gpa);
        switch (Kind)
        {
            case AccessKind.Write or AccessKind.StoreNoSyndrome or AccessKind.Atomic:
                if (Kvm.Phys.FolioOf(pfn) is { IsZeroPage: true })
                {
                    // Only a broken leaf (a bug switch's misaligned or stale block) lets a guest store reach the shared
                    // zero page, which the host only ever maps read-only: report it, and keep the zero page zero.
                    Kvm.Oracle.Report(ViolationKind.WritableHostReadonly, $"guest write at {Gpa} reached the shared zero page {pfn}", Gpa.Value, pfn.Value);
                    break;
                }
                // The oracle keys content by the canonical (L1) IPA.
                var canonical = Vcpu.Nested?.Translate(Gpa) ?? Gpa;
                // An atomic is a read-modify-write, modelled as a swap: it returns the old value and stores its own.
                if (Kind == AccessKind.Atomic) ReadValue = Kvm.Phys.Read(pfn);
                if (Kind.LoadsValue()) Kvm.Oracle.GuestRead(canonical, ReadValue);
                Kvm.Phys.Write(pfn, Value);
                Kvm.Oracle.GuestWrote(canonical, pfn, Value);
                break;
            case AccessKind.Read or AccessKind.LoadNoSyndrome:
                ReadValue = Kvm.Phys.Read(pfn);
                Kvm.Oracle.GuestRead(Vcpu.Nested?.Translate(Gpa) ?? Gpa, ReadValue);
                break;
            case AccessKind.TagWrite:
                // Tags live only in Normal (tagged) memory of an MTE guest; elsewhere tag stores are ignored.
                if (TagPage(leaf, pfn) is { } stored) stored.StoreTag(Gpa.Value, (byte)Value);
                break;
            case AccessKind.TagRead:
                ReadValue = TagPage(leaf, pfn)?.TagAt(Gpa.Value) ?? 0;
                break;
        }
        Exit = AccessExit.Completed;
    }

    /// <summary>The MTE state behind a tag access, or null when tags are not accessible there (RAZ/WI).</summary>
    private Host.PageMte? TagPage(in S2Leaf leaf, Pfn pfn)
    {
        if (!Kvm.Config.Mte || leaf.MemType != MemType.Normal || Kvm.Phys.FolioOf(pfn) is not { IsZeroPage: false } folio) return null;
        return folio.MteOfPfn(pfn);
    }

    /// <inheritdoc/>
    public override KernelLocks Declares(string? phase) => FaultLocks.Of(phase);
}
