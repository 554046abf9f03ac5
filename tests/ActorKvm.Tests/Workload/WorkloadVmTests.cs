using ActorKvm.Engine.Workload;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;

namespace ActorKvm.Tests.Workload;

/// <summary>
/// The workload's VM: the odd-shaped slots sit next to the main ones, and a slot that
/// <c>kvm_arch_prepare_memory_region</c> refuses is left out the way a VMM carries on without it.
/// </summary>
public class WorkloadVmTests
{
    private static readonly WorkloadOptions Small = new(Vcpus: 2, Memory: 6UL << 20);

    [Fact]
    public void OddSlots_KeepTheirShape_EachInItsOwnGigabyte()
    {
        var slots = WorkloadVm.Layout(Small);
        Assert.Equal(3 + OddSlot.Defaults.Count, slots.Count);
        var skewed = slots.Single(s => s.Backing == BackingKind.Thp && s.Hva != s.VmaHva);
        Assert.Equal(4UL << 10, skewed.Hva - skewed.VmaHva);       // IPA 2M-aligned, HVA 4K past a 2M boundary
        Assert.Equal(0UL, skewed.Gpa % Sizes.PmdSize);
        var pud = slots.Single(s => s.Backing == BackingKind.Hugetlb1G);
        Assert.True(pud.Size < pud.VmaSize && pud.Gpa % Sizes.PudSize == 0 && pud.VmaHva % Sizes.PudSize == 0);
        Assert.Equal(slots.Count, slots.Select(s => s.Gpa / Sizes.PudSize).Distinct().Count());
    }

    [Fact]
    public void CacheableDeviceSlotWithoutFwbAndDic_IsLeftOut_ButKeptWithTheBugSwitch()
    {
        static bool HasCacheableDevice(Model.Vm.Kvm kvm) =>
            WorkloadVm.LiveSlots(Small, kvm).Any(s => s.Backing == BackingKind.DeviceCacheable);

        Assert.False(HasCacheableDevice(WorkloadVm.Build(Small)));
        Assert.True(HasCacheableDevice(WorkloadVm.Build(Small, new BugSet([CacheablePfnmapMappedDevice.Name]))));
    }

    [Fact]
    public void MteVm_RefusesEveryDeviceSlot_AndKeepsTheRest()
    {
        var o = Small with { Mte = true };
        var live = WorkloadVm.LiveSlots(o, WorkloadVm.Build(o));
        Assert.DoesNotContain(live, s => s.Backing.IsDeviceAperture());
        Assert.Equal(WorkloadVm.Layout(o).Count(s => s.Backing.MteAllowed()), live.Count);
    }
}
