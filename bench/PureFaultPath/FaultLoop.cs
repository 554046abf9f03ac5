using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Bench.PureFaultPath;

/// <summary>
/// Drives one <see cref="FaultKind"/> through one reused <see cref="KvmHandleGuestAbort"/> on a fresh VM, with the oracle
/// checking after every fault. A batch of faults is prepared by <see cref="Arm"/> (for
/// permission and access-flag faults: map the pages, then write-protect or age them), so a benchmark can keep the
/// preparation out of what it measures.
/// </summary>
public sealed class FaultLoop
{
    private const ulong Gpa = 0x4000_0000;
    private const ulong Hva = 0x7f00_0000_0000;
    private const int Holder = 2;
    private const int SetupHolder = 1_000_000;
    private readonly Kvm _kvm;
    private readonly KvmHandleGuestAbort _handler;
    private readonly ulong _stride;
    private readonly ulong _faults;
    private readonly Esr _esr;
    private ulong _next;

    /// <summary>Creates a VM with one slot sized for <paramref name="faults"/> faults of <paramref name="kind"/>.</summary>
    public FaultLoop(FaultKind kind, ulong faults)
    {
        Kind = kind;
        _faults = faults;
        _stride = kind == FaultKind.Thp2M ? Sizes.PmdSize : Sizes.PageSize;
        var bytes = faults * _stride;
        var backing = kind == FaultKind.Thp2M ? BackingKind.Thp : BackingKind.Anon;
        _kvm = new Kvm(new KvmConfig());
        _kvm.Mm.Mmap(new Hva(Hva), bytes, backing, HostProt.Read | HostProt.Write, false);
        new MemslotUpdate(_kvm, 1, new MemslotRequest(0, new Ipa(Gpa), bytes, new Hva(Hva), MemslotFlags.None)).RunToEnd();
        _handler = new KvmHandleGuestAbort(_kvm, _kvm.Vcpus[0], Holder);
        _esr = kind switch
        {
            FaultKind.PermissionRelax => Esr.Make(Esr.EcDabtLow, FscCodes.Permission(3), wnr: true),
            FaultKind.AccessFlag => Esr.Make(Esr.EcDabtLow, FscCodes.AccessFlag(3), wnr: false),
            FaultKind.Thp2M => Esr.Make(Esr.EcDabtLow, FscCodes.Translation(2), wnr: true),
            _ => Esr.Make(Esr.EcDabtLow, FscCodes.Translation(3), wnr: true),
        };
        Arm();
    }

    /// <summary>The fault kind.</summary>
    public FaultKind Kind { get; }

    /// <summary>The model (its oracle's violations, its stage-2 table).</summary>
    public Kvm Kvm => _kvm;

    /// <summary>What the last fault did.</summary>
    public FaultResult LastResult => _handler.Result;

    /// <summary>
    /// Prepares the next batch: translation faults need nothing (each fault takes a new page, so the slot must
    /// not be full); permission faults need the pages mapped writable then write-protected; access-flag faults
    /// need them mapped then aged.
    /// </summary>
    public void Arm()
    {
        _next = 0;
        if (Kind is FaultKind.Write4K or FaultKind.Thp2M) return;
        var size = _faults * Sizes.PageSize;
        if (!_kvm.Pgt.GetLeaf(new Ipa(Gpa)).Valid)
        {
            var writer = new KvmHandleGuestAbort(_kvm, _kvm.Vcpus[0], Holder);
            for (ulong i = 0; i < _faults; i++)
            {
                writer.Begin(GuestAbort.At(new Ipa(Gpa + i * Sizes.PageSize), Esr.Make(Esr.EcDabtLow, FscCodes.Translation(3), wnr: true)));
                while (!writer.Finished) writer.Step();
            }
        }
        if (!_kvm.MmuLock.TryAcquire(SetupHolder, LockMode.Write)) throw new InvalidOperationException("mmu_lock busy");
        if (Kind == FaultKind.PermissionRelax) _kvm.S2WrProtect(SetupHolder, new Ipa(Gpa), size);
        else _kvm.S2AgeRange(SetupHolder, new Ipa(Gpa), size);
        _kvm.MmuLock.Release(SetupHolder);
    }

    /// <summary>The loop for the next batch (untimed): a fresh slot for translation faults, since each takes a new page; this one, write-protected or aged again, otherwise.</summary>
    public FaultLoop ForNextBatch()
    {
        if (Kind is FaultKind.Write4K or FaultKind.Thp2M) return new FaultLoop(Kind, _faults);
        Arm();
        return this;
    }

    /// <summary>Handles one fault on the next page of the batch; false when the batch is used up (call <see cref="Arm"/>).</summary>
    public bool FaultNext()
    {
        if (_next >= _faults) return false;
        var ipa = new Ipa(Gpa + _next++ * _stride);
        _handler.Begin(GuestAbort.At(ipa, _esr));
        while (!_handler.Finished) _handler.Step();
        _kvm.Oracle.Check(); // the oracle runs after every fault; its cost is part of the figure
        return true;
    }
}
