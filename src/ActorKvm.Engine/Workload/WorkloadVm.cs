using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// Builds the VM of the stress workload: one VMA and one memslot per backing, 1 GiB-aligned and sparse, then the
/// small odd-shaped slots (<see cref="OddSlot"/>), each in its own 1 GiB-aligned window.
/// </summary>
public static class WorkloadVm
{
    /// <summary>First guest physical address of the first slot.</summary>
    public const ulong GpaBase = 0x4000_0000;
    /// <summary>First host virtual address of the first VMA.</summary>
    public const ulong HvaBase = 0x7f00_0000_0000;
    /// <summary>Where a churned slot moves to and back from (IPA offset beyond all slots).</summary>
    public const ulong MoveOffset = 1UL << 38;
    /// <summary>The workload VM's IPA size (<c>KVM_VM_TYPE_ARM_IPA_SIZE</c> 40: 1 TiB).</summary>
    public const int IpaBits = 40;

    /// <summary>
    /// Why <paramref name="o"/>'s layout does not fit the VM, or null: every slot, and the churned slot at its moved
    /// place, must end inside the IPA space, or <c>kvm_arch_prepare_memory_region</c> refuses it with -EFAULT.
    /// </summary>
    public static string? DoesNotFit(WorkloadOptions o)
    {
        var phys = 1UL << IpaBits;
        var slots = Layout(o);
        var main = o.EffectiveBackings.Count;
        var churned = o.MemslotChurn && main > 1 ? slots[main - 1] : null;
        var end = slots.Max(s => s.Gpa + s.Size);
        if (churned is not null) end = Math.Max(end, churned.Gpa + churned.Size + MoveOffset);
        return end <= phys ? null
            : $"the workload lays its slots out up to IPA 0x{end:x} (one 1G-aligned window per backing{(churned is null ? "" : ", the moving slot 256G higher")}), "
              + $"beyond the VM's {IpaBits}-bit IPA space (kvm_arch_prepare_memory_region: -EFAULT); use less memory or fewer backings";
    }

    /// <summary>The slot layout: the main slots (one per backing, in order), then the odd ones.</summary>
    public static IReadOnlyList<WorkloadSlot> Layout(WorkloadOptions o)
    {
        var backings = o.EffectiveBackings;
        var per = Math.Max(Sizes.PmdSize, o.Memory / (ulong)backings.Count & ~(Sizes.PmdSize - 1));
        var stride = RoundUp(per, Sizes.PudSize);
        var slots = backings.Select((b, i) => new WorkloadSlot(i, GpaBase + (ulong)i * stride, per, HvaBase + (ulong)i * stride,
            HvaBase + (ulong)i * stride, per, b)).ToList();
        var offset = (ulong)backings.Count * stride;
        foreach (var odd in o.EffectiveOddSlots)
        {
            slots.Add(new WorkloadSlot(slots.Count, GpaBase + offset, odd.SlotSize, HvaBase + offset + odd.HvaSkew, HvaBase + offset, odd.VmaSize, odd.Backing));
            offset += RoundUp(odd.VmaSize, Sizes.PudSize);
        }
        return slots;
    }

    /// <summary>
    /// Creates the VM with its VMAs and memslots. A slot <c>kvm_arch_prepare_memory_region</c> refuses (cacheable
    /// device memory without FWB, device memory in an MTE VM) is left out, as a VMM carries on without it; the
    /// main slots must be accepted.
    /// </summary>
    public static Kvm Build(WorkloadOptions o, BugSet? bugs = null)
    {
        if (DoesNotFit(o) is { } why) throw new ArgumentException(why, nameof(o));
        // A main slot of cacheable device memory exists only on a host with FWB and CACHE DIC (kvm_supports_cacheable_pfnmap):
        // asking for one as a backing picks such a host, else every slot of it would be refused (-EINVAL).
        var cacheDic = o.EffectiveBackings.Contains(BackingKind.DeviceCacheable);
        var config = new KvmConfig(IpaBits: IpaBits, Vcpus: o.Vcpus, Mte: o.Mte, Protected: o.Protected, Nested: o.Nested, CacheDic: cacheDic,
            EagerSplitChunk: o.ReachOps ? Sizes.PmdSize : 0, ManualDirtyProtect: o.VmmOps, InitiallyAllSet: o.VmmOps);
        var kvm = new Kvm(config, bugs) { Variants = o.Variants };
        var id = 1;
        foreach (var s in Layout(o))
        {
            kvm.Mm.Mmap(new Hva(s.VmaHva), s.VmaSize, s.Backing, HostProt.Read | HostProt.Write, shared: false);
            var flags = o.GuestMemfd && s.Backing == BackingKind.GuestMemfd ? MemslotFlags.GuestMemfd : MemslotFlags.None;
            var u = new MemslotUpdate(kvm, id++, new MemslotRequest(s.Id, new Ipa(s.Gpa), s.Size, new Hva(s.Hva), flags));
            u.RunToEnd();
            if (u.Result != Errno.Ok && s.Id < o.EffectiveBackings.Count) throw new InvalidOperationException($"workload slot {s.Id} refused: {u.Result}");
        }
        return kvm;
    }

    /// <summary>The slots of <paramref name="o"/>'s layout that <paramref name="kvm"/> accepted.</summary>
    public static IReadOnlyList<WorkloadSlot> LiveSlots(WorkloadOptions o, Kvm kvm) =>
        Layout(o).Where(s => kvm.Memslots.ById(s.Id) is not null).ToList();

    private static ulong RoundUp(ulong v, ulong align) => (v + align - 1) & ~(align - 1);
}
