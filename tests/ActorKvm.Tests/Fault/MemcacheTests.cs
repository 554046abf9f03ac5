using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary><c>prepare_mmu_memcache</c>: top up iff <c>!fault_is_perm || (logging_active &amp;&amp; write_fault)</c>.</summary>
public class MemcacheTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    [Fact]
    public void TranslationFault_TopsUpTheEmptyCacheToCapacity()
    {
        // prepare_mmu_memcache: translation fault -> kvm_mmu_topup_memory_cache(min_pages); below min it fills to capacity
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var mc = vm.Kvm.Vcpus[0].MmuPageCache;
        Assert.Equal(0, mc.Count);
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(mc.Capacity, mc.Count + mc.PagesConsumed);
        Assert.True(mc.Capacity >= vm.Kvm.Pgt.MinCachePages);
    }

    private static void Drain(Model.Stage2.KvmMmuMemoryCache mc)
    {
        while (mc.TryTake()) { }
    }

    [Fact]
    public void TranslationFaultWhenTopUpFails_FailsWithEnomemBeforeTouchingAnything()
    {
        // prepare_mmu_memcache: top-up failure -> -ENOMEM, nothing to release
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Kvm.Vcpus[0].MmuPageCache.FailAllocations = true;
        var a = vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal("enomem", a.Exit.Name);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.Empty(vm.Kvm.Mm.PageTable.LeavesIn(new Hva(TestVm.SlotHva), new Hva(TestVm.SlotHva + Sizes.PmdSize)));
    }

    [Fact]
    public void PermissionFaultWithoutLogging_DoesNotTopUp()
    {
        // prepare_mmu_memcache: fault_is_perm && !(logging && write) -> no top-up (relax needs no table page)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var mc = vm.Kvm.Vcpus[0].MmuPageCache;
        mc.FailAllocations = true;
        Drain(mc);
        var a = vm.Access(Gpa, AccessKind.Exec);
        Assert.Equal("ok", a.Exit.Name);
        Assert.Equal([FaultResult.Relax], a.Faults);
    }

    [Fact]
    public void WritePermissionFaultWhileLogging_TopsUpAndFailsWithEnomemWhenAllocationFails()
    {
        // prepare_mmu_memcache: logging_active && write_fault -> top up even on a permission fault (a split may need tables)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.GetDirtyLog(0); // write-protects the page
        var mc = vm.Kvm.Vcpus[0].MmuPageCache;
        mc.FailAllocations = true;
        Drain(mc);
        var a = vm.Access(Gpa, AccessKind.Write, 2);
        Assert.Equal("enomem", a.Exit.Name);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.Equal(1UL, vm.HostRead(TestVm.SlotHva));
    }
}
