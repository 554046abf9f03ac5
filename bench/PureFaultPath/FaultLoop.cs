using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Bench.PureFaultPath;

/// <summary>
/// Drives 4K write translation faults through one reused <see cref="FaultHandler"/> on a fresh anonymous
/// slot: every fault allocates its host page (as the kernel does) and maps a new leaf.
/// </summary>
public sealed class FaultLoop
{
    private const ulong Gpa = 0x4000_0000;
    private const ulong Hva = 0x7f00_0000_0000;
    private readonly Kvm _kvm;
    private readonly FaultHandler _handler;
    private readonly ulong _pages;
    private ulong _next;

    public FaultLoop(ulong bytes, BackingKind backing = BackingKind.Anon)
    {
        _pages = bytes / Sizes.PageSize;
        _kvm = new Kvm(new KvmConfig());
        _kvm.Mm.Mmap(new Hva(Hva), bytes, backing, HostProt.Read | HostProt.Write, false);
        var slot = new MemslotUpdate(_kvm, 1, new MemslotRequest(0, new Ipa(Gpa), bytes, new Hva(Hva), MemslotFlags.None));
        slot.RunToEnd();
        _handler = new FaultHandler(_kvm, _kvm.Vcpus[0], 2);
    }

    public Kvm Kvm => _kvm;

    /// <summary>Handles one write fault on the next unmapped page; false when the slot is full.</summary>
    public bool FaultNext()
    {
        if (_next >= _pages) return false;
        var ipa = new Ipa(Gpa + _next++ * Sizes.PageSize);
        _handler.Begin(GuestAbort.At(ipa, Esr.Make(Esr.EcDabtLow, FscCodes.Translation(3), wnr: true)));
        while (!_handler.Finished) _handler.Step();
        _kvm.Oracle.Check(); // the oracle runs after every step; its cost is part of the figure
        return true;
    }
}
