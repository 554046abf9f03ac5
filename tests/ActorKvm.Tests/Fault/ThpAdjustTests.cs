using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary><c>transparent_hugepage_adjust</c> and the permission-granule promotion.</summary>
public class ThpAdjustTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    [Fact]
    public void ThpMappedByHostPmd_MapsPmdBlockAtTheFolioHead()
    {
        // transparent_hugepage_adjust: get_user_mapping_size >= PMD_SIZE -> fault_ipa &= PMD_MASK, pfn &= ~(PTRS_PER_PMD-1)
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa + Sizes.PmdSize + 0x7000, AccessKind.Write, 3);
        var leaf = vm.Leaf(Gpa + Sizes.PmdSize).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.Equal(new Ipa(Gpa + Sizes.PmdSize), leaf.Ipa);
        Assert.Equal(0UL, leaf.Pfn.Value % Sizes.PtrsPerPmd);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ReadOfUntouchedThp_MapsHugeZeroPageAsReadOnlyPmdBlock()
    {
        // __kvm_faultin_pfn maps the huge zero page read-only; transparent_hugepage_adjust promotes it to 2M
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        var a = vm.Access(Gpa + 0x5000, AccessKind.Read);
        Assert.Equal(0UL, a.ReadValue);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.Equal(S2Prot.R, leaf.Prot.Perms());
        Assert.Equal(vm.Kvm.Phys.HugeZeroPage.Head, leaf.Pfn);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void WriteAfterHugeZeroPageBlock_BreaksCowAndMapsTheNewPage()
    {
        // __kvm_faultin_pfn(FOLL_WRITE) on the huge zero page: PMD split + CoW inside faultin -> retry, then map
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa + 0x5000, AccessKind.Read);
        var w = vm.Access(Gpa + 0x5000, AccessKind.Write, 77);
        Assert.Contains(FaultResult.Retry, w.Faults);
        Assert.Equal(FaultResult.Map, w.Faults[^1]);
        Assert.Equal(77UL, vm.HostRead(Hva + 0x5000));
        Assert.Equal(0UL, vm.HostRead(Hva + 0x6000));
        Assert.Empty(vm.Violations);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void ThpInNonCongruentSlot_MapsSinglePage()
    {
        // transparent_hugepage_adjust: only if fault_supports_stage2_huge_mapping(PMD_SIZE), else PAGE_SIZE
        var vm = new TestVm().Vma(Hva, 4 * Sizes.PmdSize, BackingKind.Thp).Slot(0, Gpa + 0x1000, 3 * Sizes.PmdSize, Hva);
        vm.Access(Gpa + 0x1000 + Sizes.PmdSize, AccessKind.Write, 1);
        Assert.Equal(Sizes.PmdSize, vm.Kvm.Mm.PageTable.MappingSize(new Hva(Hva + Sizes.PmdSize)));
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x1000 + Sizes.PmdSize).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void HostPageSplitIntoPtes_MapsSinglePage()
    {
        // transparent_hugepage_adjust: get_user_mapping_size < PMD_SIZE -> PAGE_SIZE
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpSplit, Hva));
        vm.Access(Gpa + 0x3000, AccessKind.Read);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x3000).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void PermissionFaultOnBlock_RelaxesTheWholeBlock()
    {
        // user_mem_abort: fault_is_perm && fault_granule > PAGE_SIZE -> vma_pagesize = fault_granule -> relax_perms
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var a = vm.Access(Gpa + 0x9000, AccessKind.Exec);
        Assert.Equal([FaultResult.Relax], a.Faults);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.Equal(S2Prot.RWX, leaf.Prot.Perms());
    }
}
