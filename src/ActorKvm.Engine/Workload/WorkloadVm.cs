using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary>Builds the VM of the stress workload: one VMA and one memslot per backing, 1 GiB-aligned and sparse.</summary>
public static class WorkloadVm
{
    /// <summary>First guest physical address of the first slot.</summary>
    public const ulong GpaBase = 0x4000_0000;
    /// <summary>First host virtual address of the first VMA.</summary>
    public const ulong HvaBase = 0x7f00_0000_0000;
    /// <summary>Where a churned slot moves to and back from (IPA offset beyond all slots).</summary>
    public const ulong MoveOffset = 1UL << 38;

    /// <summary>The slot layout: (slot id, gpa, size, hva, backing).</summary>
    public static IReadOnlyList<(int Id, ulong Gpa, ulong Size, ulong Hva, BackingKind Backing)> Layout(WorkloadOptions o)
    {
        var backings = o.EffectiveBackings;
        var per = Math.Max(Sizes.PmdSize, o.Memory / (ulong)backings.Count & ~(Sizes.PmdSize - 1));
        var stride = (per + Sizes.PudSize - 1) & ~(Sizes.PudSize - 1);
        return backings.Select((b, i) => (i, GpaBase + (ulong)i * stride, per, HvaBase + (ulong)i * stride, b)).ToList();
    }

    /// <summary>Creates the VM with its VMAs and memslots.</summary>
    public static Kvm Build(WorkloadOptions o, BugSet? bugs = null)
    {
        var kvm = new Kvm(new KvmConfig(IpaBits: 40, Vcpus: o.Vcpus), bugs);
        var id = 1;
        foreach (var (slot, gpa, size, hva, backing) in Layout(o))
        {
            kvm.Mm.Mmap(new Hva(hva), size, backing, HostProt.Read | HostProt.Write, shared: false);
            var u = new MemslotUpdate(kvm, id++, new MemslotRequest(slot, new Ipa(gpa), size, new Hva(hva), MemslotFlags.None));
            u.RunToEnd();
            if (u.Result != Errno.Ok) throw new InvalidOperationException($"workload slot {slot} refused: {u.Result}");
        }
        return kvm;
    }
}
