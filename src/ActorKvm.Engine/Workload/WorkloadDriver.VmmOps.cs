using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary><see cref="WorkloadOptions.VmmOps"/>: the VMM's own operations on guest memory and on the dirty log.</summary>
public sealed partial class WorkloadDriver
{
    private (Hva Start, ulong Size)? _restore; // VmmOps: the mprotect(PROT_READ|PROT_WRITE) that follows a read-only one

    /// <summary>
    /// VmmOps, one host operation in three: the VMM reads or writes guest memory itself (virtio; a write to a page the
    /// host maps read-only breaks copy-on-write under an MMU-notifier invalidation), or mprotects the 2M window around
    /// the page read-only (the VMA splits; change_protection write-protects whatever maps it), restored when that
    /// finishes. Device apertures are left to the default mix: what the host reads there is the device's business.
    /// </summary>
    private Activity? PickVmmOp(int slot, WorkloadSlot s, Hva h)
    {
        if (!_o.VmmOps || _rng.Below(3) != 0 || _backing[slot].IsDeviceAperture()) return null;
        switch (_rng.Below(4))
        {
            case 0: return new HostAccess(_kvm, _nextId++, h, write: false, 0);
            case 1: return new HostAccess(_kvm, _nextId++, h, write: true, _rng.Next() | 1);
            default:
                var start = Math.Max(s.VmaHva, h.Value & ~(Sizes.PmdSize - 1));
                var size = Math.Min(s.VmaHva + s.VmaSize, start + Sizes.PmdSize) - start;
                _restore = (new Hva(start), size);
                return new HostOperation(_kvm, _nextId++, HostOp.Mprotect, new Hva(start), size, HostProt.Read);
        }
    }

    /// <summary>A read-only mprotect of <see cref="PickVmmOp"/> finished: make the window writable again (the host stays busy until then).</summary>
    private bool IssueRestore()
    {
        if (_restore is not { } r) return false;
        _restore = null;
        _issue(new HostOperation(_kvm, _nextId++, HostOp.Mprotect, r.Start, r.Size, HostProt.Read | HostProt.Write));
        return true;
    }

    /// <summary>
    /// The harvest of the logging slot: <c>KVM_GET_DIRTY_LOG</c>, or with VmmOps half the time <c>KVM_CLEAR_DIRTY_LOG</c>
    /// of the whole slot (the VM then has <c>KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2</c> with initially-set bitmaps, so the GET
    /// only copies and the CLEAR write-protects and splits).
    /// </summary>
    private DirtyLogIoctl Harvest()
    {
        var s = _slots[_logSlot];
        return _o.VmmOps && _rng.Below(2) == 0
            ? new DirtyLogIoctl(_kvm, _nextId++, s.Id, clear: true, 0, s.Size / Sizes.PageSize)
            : new DirtyLogIoctl(_kvm, _nextId++, s.Id, clear: false);
    }
}
