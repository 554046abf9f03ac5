using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// The VMM reading or writing its own memory at an HVA. A write to a zero page breaks copy-on-write, which
/// runs an MMU-notifier invalidation (and so needs <c>mmu_lock</c> for write) like any host PTE change.
/// </summary>
public sealed class HostAccess : Activity
{
    /// <summary>Creates a host read (<paramref name="write"/> false) or write.</summary>
    public HostAccess(Kvm kvm, int id, Hva hva, bool write, ulong value) : base(kvm, id)
    {
        Hva = hva;
        IsWrite = write;
        Value = value;
    }

    /// <summary>The address.</summary>
    public Hva Hva { get; }
    /// <summary>True for a write.</summary>
    public bool IsWrite { get; }
    /// <summary>The value written, or read.</summary>
    public ulong Value { get; private set; }
    /// <summary>Ok; EFAULT when the VMA does not allow the access (SIGSEGV); EHWPOISON on a poisoned page (SIGBUS).</summary>
    public Errno Result { get; private set; }

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        if (!IsWrite)
        {
            // The load faults the page in as any read does (do_anonymous_page maps the zero page, do_read_fault the
            // page-cache page, read-only in a private mapping), so a later guest write breaks that copy-on-write under
            // an invalidation and the fault retries. Found by actorkvm diff.
            var read = Kvm.Mm.FaultIn(Hva, write: false, takeRef: false);
            Result = ErrnoOf(read.Status);
            if (Result == Errno.Ok)
            {
                Value = Kvm.Mm.Read(Hva);
                Kvm.Oracle.HostRead(Hva, Value);
            }
            return StepResult.Finished(null);
        }
        var r = Kvm.Mm.FaultIn(Hva, write: true, takeRef: false);
        if (r.Status == HostFaultStatus.NeedsCowBreak)
        {
            if (Kvm.TakeMmuLock(Id, LockMode.Write, "copy-on-write invalidation") is { } wait) return wait;
            Kvm.Notifier.ActiveInvalidateStart();
            Kvm.InvalidateRangeStart(Id, r.CowStart, r.CowEnd);
            Kvm.Mm.BreakCow(Hva);
            Kvm.InvalidateRangeEnd(Id, r.CowStart, r.CowEnd);
            Kvm.Notifier.ActiveInvalidateEnd();
            Kvm.MmuLock.Release(Id);
            r = Kvm.Mm.FaultIn(Hva, write: true, takeRef: false);
        }
        if (r.Status != HostFaultStatus.Ok)
        {
            Result = ErrnoOf(r.Status);
        }
        else
        {
            Kvm.Phys.Write(r.Pfn, Value);
            if (r.Folio is not null) r.Folio.Dirty = true;
            Kvm.Oracle.HostWrote(Hva, Value);
        }
        return StepResult.Finished(null);
    }

    private static Errno ErrnoOf(HostFaultStatus status) => status switch
    {
        HostFaultStatus.Ok => Errno.Ok,
        HostFaultStatus.HwPoison => Errno.EHWPOISON,
        _ => Errno.EFAULT,
    };

    /// <inheritdoc/>
    /// <remarks>The VMM's access faults in under <c>mmap_lock</c>; a copy-on-write break invalidates under <c>mmu_lock</c> (write).</remarks>
    public override KernelLocks Declares(string? phase) => KernelLocks.MmapRead | KernelLocks.MmuWrite;
}
