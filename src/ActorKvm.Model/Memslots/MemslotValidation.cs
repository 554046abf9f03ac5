using ActorKvm.Model.Bugs;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;

namespace ActorKvm.Model.Memslots;

/// <summary>
/// <c>kvm_set_memory_region</c>'s checks in the kernel's order, then arm64's
/// <c>kvm_arch_prepare_memory_region</c>. Returns the errno the ioctl would return and the change.
/// </summary>
public static class MemslotValidation
{
    /// <summary><c>KVM_USER_MEM_SLOTS</c> (generic default).</summary>
    public const int MaxUserSlots = 32767;

    /// <summary><c>KVM_MEM_MAX_NR_PAGES</c> (virt/kvm/kvm_main.c): the most pages one slot may have, 2^31 - 1.</summary>
    public const ulong MaxNrPages = (1UL << 31) - 1;

    /// <summary>Validates <paramref name="req"/> against the current slots and the host's VMAs.</summary>
    public static (Errno Errno, MemslotChange Change) Validate(
        MemslotRequest req, MemslotSet slots, HostMm mm, ulong physSize, bool mte, bool supportsCacheablePfnmap, BugSet? bugs = null)
    {
        // check_memory_region_flags: GUEST_MEMFD removes LOG_DIRTY_PAGES and READONLY from the allowed set.
        var gmem = (req.Flags & MemslotFlags.GuestMemfd) != 0;
        if (gmem && (req.Flags & (MemslotFlags.LogDirtyPages | MemslotFlags.ReadOnly)) != 0) return (Errno.EINVAL, MemslotChange.None);

        if (!IsPageAligned(req.Size) || !req.Gpa.IsAligned(Sizes.PageSize) || !req.Hva.IsAligned(Sizes.PageSize))
            return (Errno.EINVAL, MemslotChange.None);
        if (req.Id < 0 || req.Id >= MaxUserSlots) return (Errno.EINVAL, MemslotChange.None);
        if (req.Gpa.Value + req.Size < req.Gpa.Value) return (Errno.EINVAL, MemslotChange.None);
        // kvm_set_memory_region: mem->memory_size >> PAGE_SHIFT > KVM_MEM_MAX_NR_PAGES -> -EINVAL (and no bitmap is sized).
        if (req.Size / Sizes.PageSize > MaxNrPages) return (Errno.EINVAL, MemslotChange.None);

        var old = slots.ById(req.Id);
        MemslotChange change;
        if (req.Size == 0)
        {
            return old is null ? (Errno.EINVAL, MemslotChange.None) : (Errno.Ok, MemslotChange.Delete);
        }
        if (old is null)
        {
            change = MemslotChange.Create;
        }
        else
        {
            if (gmem || old.HasGmem) return (Errno.EINVAL, MemslotChange.None);
            if (req.Hva != old.UserspaceAddr || req.Size != old.Size || ((req.Flags ^ old.Flags) & MemslotFlags.ReadOnly) != 0)
                return (Errno.EINVAL, MemslotChange.None);
            if (req.Gpa != old.Gpa) change = MemslotChange.Move;
            else if (req.Flags != old.Flags) change = MemslotChange.FlagsOnly;
            else return (Errno.Ok, MemslotChange.None);
        }

        if (change is MemslotChange.Create or MemslotChange.Move)
        {
            // kvm_check_memslot_overlap, by binary search over the sorted slots (a scan of all made n slots cost O(n^2)).
            if (slots.Overlapping(req.Gpa.Value / Sizes.PageSize, req.Size / Sizes.PageSize, req.Id) is not null) return (Errno.EEXIST, change);
        }

        return (PrepareMemoryRegion(req, mm, physSize, mte, supportsCacheablePfnmap, bugs), change);
    }

    /// <summary>
    /// arm64 <c>kvm_arch_prepare_memory_region</c>: the slot must fit the IPA space; every VMA it overlaps must
    /// allow MTE in an MTE VM, must not be PFNMAP with dirty logging, and cacheable PFNMAP needs FWB+DIC.
    /// Holes are allowed (faults there fail).
    /// </summary>
    public static Errno PrepareMemoryRegion(MemslotRequest req, HostMm mm, ulong physSize, bool mte, bool supportsCacheablePfnmap, BugSet? bugs = null)
    {
        if (req.Gpa.Value + req.Size > physSize) return Errno.EFAULT;
        var logging = (req.Flags & MemslotFlags.LogDirtyPages) != 0;
        foreach (var vma in mm.VmasIn(req.Hva, req.Hva + req.Size))
        {
            if (mte && !vma.MteAllowed) return Errno.EINVAL;
            if (vma.IsPfnMap)
            {
                if (logging) return Errno.EINVAL;
                // 2a8dfab26677: a cacheable PFNMAP the platform cannot map cacheable is refused, not mapped Device.
                if (vma.IsCacheable && !supportsCacheablePfnmap && !(bugs?.IsOn(CacheablePfnmapMappedDevice.Name) ?? false)) return Errno.EINVAL;
            }
        }
        return Errno.Ok;
    }

    private static bool IsPageAligned(ulong v) => (v & (Sizes.PageSize - 1)) == 0;
}
