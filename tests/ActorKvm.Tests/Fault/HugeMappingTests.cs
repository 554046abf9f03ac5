using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary><c>fault_supports_stage2_huge_mapping</c>, <c>get_vma_page_shift</c> and the size fallback ladder.</summary>
public class HugeMappingTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static Memslot SlotAt(ulong gpa, ulong hva, ulong size) =>
        new(0, Gfn.Of(new Ipa(gpa)), size >> Sizes.PageShift, new Hva(hva), MemslotFlags.None, null);

    [Fact]
    public void PageSize_IsAlwaysSupported()
    {
        // fault_supports_stage2_huge_mapping: map_size == PAGE_SIZE -> true
        var slot = SlotAt(Gpa + 0x1000, Hva, Sizes.PageSize);
        Assert.True(Stage2HugeMapping.FaultSupportsStage2HugeMapping(slot, new Hva(Hva), Sizes.PageSize));
    }

    [Fact]
    public void IpaAndHvaNotCongruentModuloBlock_RefusesBlock()
    {
        // fault_supports_stage2_huge_mapping: (gpa_start & (size-1)) != (uaddr_start & (size-1)) -> false
        var slot = SlotAt(Gpa + 0x1000, Hva, 4 * Sizes.PmdSize);
        Assert.False(Stage2HugeMapping.FaultSupportsStage2HugeMapping(slot, new Hva(Hva + Sizes.PmdSize), Sizes.PmdSize));
    }

    [Fact]
    public void CongruentButUnalignedSlot_AllowsBlocksOnlyWhereTheAlignedBlockLiesInsideTheSlot()
    {
        // fault_supports_stage2_huge_mapping: ALIGN_DOWN(hva, size) >= uaddr_start && + size <= uaddr_end
        var slot = SlotAt(Gpa + 0x1000, Hva + 0x1000, 4 * Sizes.PmdSize);
        Assert.False(Stage2HugeMapping.FaultSupportsStage2HugeMapping(slot, new Hva(Hva + 0x1000), Sizes.PmdSize));
        Assert.True(Stage2HugeMapping.FaultSupportsStage2HugeMapping(slot, new Hva(Hva + Sizes.PmdSize + 0x5000), Sizes.PmdSize));
        Assert.False(Stage2HugeMapping.FaultSupportsStage2HugeMapping(slot, new Hva(Hva + 4 * Sizes.PmdSize), Sizes.PmdSize));
    }

    [Fact]
    public void Hugetlb1GFullyInsideCongruentSlot_MapsGigabyteBlock()
    {
        // get_vma_page_shift: hstate shift PUD; ladder keeps PUD_SHIFT when supported
        var vm = TestVm.WithSlot(BackingKind.Hugetlb1G, Sizes.PudSize);
        vm.Access(Gpa + 0x12_3000, AccessKind.Write, 5);
        var leaf = vm.Leaf(Gpa + 0x12_3000).Leaf;
        Assert.Equal(Sizes.PudSize, leaf.Size);
        Assert.Equal(5UL, vm.HostRead(Hva + 0x12_3000));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void Hugetlb1GWhoseBlockDoesNotFitTheSlot_FallsBackToPmdBlock()
    {
        // kvm_s2_resolve_vma_size: PUD_SHIFT unsupported -> CONT_PMD -> PMD_SHIFT
        var vm = new TestVm().Vma(Hva, Sizes.PudSize, BackingKind.Hugetlb1G).Slot(0, Gpa, Sizes.PudSize / 2, Hva);
        var a = vm.Access(Gpa + Sizes.PmdSize + 0x3000, AccessKind.Write, 5);
        Assert.Equal("ok", a.Exit.Name);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa + Sizes.PmdSize).Leaf.Size);
        Assert.False(a.Handler.State.Vma.ForcePte);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void Hugetlb32M_IsMappedWithPmdBlocksNeverContiguousHints()
    {
        // kvm_s2_resolve_vma_size: CONT_PMD_SHIFT -> PMD_SHIFT
        var vm = TestVm.WithSlot(BackingKind.Hugetlb32M, Sizes.ContPmdSize);
        var a = vm.Access(Gpa + 5 * Sizes.PmdSize, AccessKind.Read);
        Assert.Equal(Sizes.PmdShift, a.Handler.State.Vma.VmaShift);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa + 5 * Sizes.PmdSize).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void Hugetlb2MNotCongruent_MapsPagesAndForcesPte()
    {
        // kvm_s2_resolve_vma_size: PMD unsupported -> CONT_PTE -> PAGE_SHIFT with force_pte = true
        var vm = new TestVm().Vma(Hva, 4 * Sizes.PmdSize, BackingKind.Hugetlb2M).Slot(0, Gpa + 0x1000, 4 * Sizes.PmdSize, Hva);
        var a = vm.Access(Gpa + 0x1000 + Sizes.PmdSize, AccessKind.Write, 1);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x1000 + Sizes.PmdSize).Leaf.Size);
        Assert.True(a.Handler.State.Vma.ForcePte);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void Hugetlb64K_MapsPagesAndForcesPte()
    {
        // kvm_s2_resolve_vma_size: CONT_PTE_SHIFT -> PAGE_SHIFT and force_pte (no THP promotion)
        var vm = TestVm.WithSlot(BackingKind.Hugetlb64K, Sizes.PmdSize);
        var a = vm.Access(Gpa + 0x2000, AccessKind.Write, 1);
        Assert.Equal(Sizes.PageShift, a.Handler.State.Vma.VmaShift);
        Assert.True(a.Handler.State.Vma.ForcePte);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x2000).Leaf.Size);
    }

    [Fact]
    public void PlainAnon_GetsPageShiftWithoutForcePte()
    {
        // get_vma_page_shift: not hugetlb, not PFNMAP -> PAGE_SHIFT; force_pte stays false (THP promotion possible)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(Sizes.PageShift, a.Handler.State.Vma.VmaShift);
        Assert.False(a.Handler.State.Vma.ForcePte);
    }

    [Fact]
    public void PfnmapWithPmdCongruentAperture_MapsDevicePmdBlock()
    {
        // get_vma_page_shift: VM_PFNMAP with pa and hva congruent modulo PMD and the window inside the VMA -> PMD_SHIFT
        var vm = TestVm.WithSlot(BackingKind.Device, 2 * Sizes.PmdSize);
        var a = vm.Access(Gpa + Sizes.PmdSize + 0x4000, AccessKind.Read);
        Assert.Equal("ok", a.Exit.Name);
        var leaf = vm.Leaf(Gpa + Sizes.PmdSize).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.Equal(MemType.Device, leaf.MemType);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void PfnmapGigabyteAperture_MapsPudBlock()
    {
        // get_vma_page_shift: PFNMAP PUD window congruent and inside the VMA -> PUD_SHIFT
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PudSize);
        vm.Access(Gpa + 0x1234_5000, AccessKind.Read);
        Assert.Equal(Sizes.PudSize, vm.Leaf(Gpa).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void HugetlbWhileLogging_MapsSinglePages()
    {
        // kvm_s2_resolve_vma_size: force_pte (logging) -> PAGE_SHIFT regardless of the hstate
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 0x3000, AccessKind.Write, 1);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x3000).Leaf.Size);
        Assert.Empty(vm.Violations);
    }
}
