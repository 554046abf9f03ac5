using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// A host-MM operation wrapped in the MMU-notifier protocol, one phase per step:
/// <c>range-start</c> (<c>kvm_mmu_notifier_invalidate_range_start</c>: in-progress raised, range recorded,
/// stage 2 unmapped, under the write lock), <c>host-change</c> (the host page table / folio changes), and
/// <c>range-end</c> (sequence bumped, in-progress lowered, under the write lock). An operation refused by its
/// pre-check (khugepaged's scan, <c>can_split_folio</c>) or that changes no present PTE runs no invalidation.
/// </summary>
public sealed class HostOperation : Activity, IReturnsErrno
{
    private (Hva Start, Hva End) _range;
    private HostOpPhase? _done;

    /// <summary>Creates the operation.</summary>
    public HostOperation(Kvm kvm, int id, HostOp op, Hva hva, ulong size, HostProt prot) : base(kvm, id)
    {
        Op = op;
        Hva = hva;
        Size = size;
        Prot = prot;
    }

    /// <summary>Creates an <c>mmap(MAP_FIXED)</c> of <paramref name="backing"/> over [<paramref name="hva"/>, +<paramref name="size"/>) (<see cref="HostOp.MmapFixed"/>).</summary>
    public HostOperation(Kvm kvm, int id, Hva hva, ulong size, BackingKind backing, HostProt prot) : this(kvm, id, HostOp.MmapFixed, hva, size, prot) =>
        Backing = backing;

    /// <summary>The operation.</summary>
    public HostOp Op { get; }
    /// <summary>What backs the new mapping (<see cref="HostOp.MmapFixed"/> only).</summary>
    public BackingKind? Backing { get; }
    /// <summary>Its address.</summary>
    public Hva Hva { get; }
    /// <summary>Its size (range operations).</summary>
    public ulong Size { get; }
    /// <summary>The new protection (mprotect).</summary>
    public HostProt Prot { get; }
    /// <summary>The errno the operation ended with.</summary>
    public Errno Result { get; private set; }

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        switch (_done)
        {
            case null:
                {
                    Result = Kvm.Mm.Precheck(Op, Hva);
                    var range = Result == Errno.Ok ? Kvm.Mm.InvalidationRange(Op, Hva, Size, Prot) : null;
                    if (range is null)
                    {
                        if (Result == Errno.Ok) Result = Apply();
                        return StepResult.Finished(null);
                    }
                    if (Kvm.TakeMmuLock(Id, LockMode.Write, "invalidate_range_start") is { } wait) return wait;
                    _range = range.Value;
                    Kvm.Notifier.ActiveInvalidateStart();
                    Kvm.InvalidateRangeStart(Id, _range.Start, _range.End);
                    Kvm.MmuLock.Release(Id);
                    _done = HostOpPhase.RangeStart;
                    return StepResult.Progress(HostOpPhase.RangeStart.Name());
                }
            case HostOpPhase.RangeStart:
                Result = Apply();
                Kvm.Oracle.TouchHva(_range.Start, _range.End);
                _done = HostOpPhase.HostChange;
                return StepResult.Progress(HostOpPhase.HostChange.Name());
            case HostOpPhase.HostChange:
                if (Kvm.TakeMmuLock(Id, LockMode.Write, "invalidate_range_end") is { } endWait) return endWait;
                Kvm.InvalidateRangeEnd(Id, _range.Start, _range.End);
                Kvm.MmuLock.Release(Id);
                Kvm.Notifier.ActiveInvalidateEnd();
                _done = HostOpPhase.RangeEnd;
                return StepResult.Finished(HostOpPhase.RangeEnd.Name());
        }
        throw new InvalidOperationException("host operation already finished");
    }

    private Errno Apply() => Backing is { } b ? Kvm.Mm.MmapFixed(Hva, Size, b, Prot) : Kvm.Mm.Apply(Op, Hva, Size, Prot);

    /// <inheritdoc/>
    /// <remarks>The syscall holds <c>mmap_lock</c> throughout; the notifier's start and end take <c>mmu_lock</c> for write.</remarks>
    public override KernelLocks Declares(string? phase) => phase is null || phase == PhaseNames.HostOp[(int)HostOpPhase.HostChange]
        ? KernelLocks.MmapWrite
        : KernelLocks.MmapWrite | KernelLocks.MmuWrite;
}
