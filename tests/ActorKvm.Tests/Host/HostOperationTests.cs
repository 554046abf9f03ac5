using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Host;

/// <summary>Host-MM operations behind the MMU notifier, and what the guest sees afterwards.</summary>
public class HostOperationTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    [Fact]
    public void Migrate_PreservesContentAndTheNextFaultMapsTheNewPfn()
    {
        // migrate_pages under invalidate_range_start/end: stage 2 unmapped, content copied
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 21);
        var oldPfn = vm.Leaf(Gpa).Leaf.Pfn;
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Migrate, Hva));
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(21UL, vm.HostRead(Hva));
        Assert.Equal(21UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.NotEqual(oldPfn, vm.Leaf(Gpa).Leaf.Pfn);
        Assert.True(vm.Kvm.Phys.FolioOf(oldPfn)!.Freed);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void MigrateWhileAFaultHoldsThePage_FailsWithEbusyAndTheFaultRetries()
    {
        // migrate_pages: folio_ref_freeze fails with the extra GUP reference -> -EBUSY (mapping restored)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 21);
        vm.RunHostOp(HostOp.SwapOut, Hva); // force a fresh fault
        var a = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(a, "pfn-faultin");
        var h = vm.HostOp(HostOp.Migrate, Hva);
        Drive.ToEnd(h);
        Assert.Equal(Errno.EBUSY, h.Result);
        Drive.ToEnd(a);
        Assert.Equal(FaultResult.Retry, a.Faults[0]);
        Assert.Equal(21UL, a.ReadValue);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        vm.Kvm.Oracle.Check();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ThpSplitFolioWhileAFaultHoldsThePage_FailsWithEbusyWithoutInvalidating()
    {
        // can_split_folio: extra references -> -EBUSY before any invalidation
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 4);
        Drive.Until(a, "pfn-faultin");
        var seq = vm.Kvm.Notifier.MmuInvalidateSeq;
        var h = vm.HostOp(HostOp.ThpSplitFolio, Hva);
        Drive.ToEnd(h);
        Assert.Equal(Errno.EBUSY, h.Result);
        Assert.Equal(seq, vm.Kvm.Notifier.MmuInvalidateSeq);
        Drive.ToEnd(a);
        Assert.Equal([FaultResult.Map], a.Faults);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ThpSplitFolio_KeepsContentAndLaterFaultsMapPages()
    {
        // split_huge_page: the 2M folio becomes order-0 folios over the same pfns; stage 2 block is unmapped
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa + 0x2000, AccessKind.Write, 4);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpSplitFolio, Hva));
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(4UL, vm.Access(Gpa + 0x2000, AccessKind.Read).ReadValue);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x2000).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ThpCollapse_BuildsA2MFolioAndTheNextFaultMapsABlock()
    {
        // khugepaged collapse under invalidation; transparent_hugepage_adjust then sees a PMD mapping
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa + 0x3000, AccessKind.Write, 6);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpSplit, Hva));
        vm.Access(Gpa + 0x3000, AccessKind.Read);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x3000).Leaf.Size);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpCollapse, Hva));
        Assert.Equal(Sizes.PmdSize, vm.Kvm.Mm.PageTable.MappingSize(new Hva(Hva)));
        Assert.False(vm.Leaf(Gpa + 0x3000).Valid);
        var a = vm.Access(Gpa + 0x3000, AccessKind.Read);
        Assert.Equal(6UL, a.ReadValue);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ThpCollapseWhileAFaultHoldsAPage_FailsWithEbusy()
    {
        // hpage_collapse_scan_pmd / is_refcount_suitable: extra references block the collapse
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.RunHostOp(HostOp.ThpSplit, Hva);
        var a = vm.Start(Gpa + 0x1000, AccessKind.Read);
        Drive.Until(a, "pfn-faultin");
        var h = vm.HostOp(HostOp.ThpCollapse, Hva);
        Drive.ToEnd(h);
        Assert.Equal(Errno.EBUSY, h.Result);
        Drive.ToEnd(a);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void SwapOutThenGuestAccess_RestoresContent()
    {
        // reclaim unmaps through the notifier; do_swap_page brings the content back on the next fault
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa + 0x1000, AccessKind.Write, 33);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.SwapOut, Hva, Sizes.PmdSize));
        Assert.False(vm.Leaf(Gpa + 0x1000).Valid);
        Assert.Equal(33UL, vm.Access(Gpa + 0x1000, AccessKind.Read).ReadValue);
        Assert.Equal(33UL, vm.HostRead(Hva + 0x1000));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void SwapOutOfSharedFilePage_WritesBackAndRestoresContent()
    {
        // page-cache reclaim: dirty file page written back, re-read on the next fault
        var vm = new TestVm().Vma(Hva, Sizes.PmdSize, BackingKind.File, shared: true).Slot(0, Gpa, Sizes.PmdSize, Hva);
        vm.Access(Gpa, AccessKind.Write, 12);
        vm.RunHostOp(HostOp.SwapOut, Hva);
        Assert.Equal(12UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void SwapOutOfPrivateFileCowPage_RestoresTheGuestWrite()
    {
        // shrink_folio_list on an anon CoW page of a private file mapping -> swap entry -> do_swap_page on the next fault
        var vm = TestVm.WithSlot(BackingKind.File, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 12);
        vm.RunHostOp(HostOp.SwapOut, Hva);
        Assert.Equal(12UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.Equal(12UL, vm.HostRead(Hva));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void MadviseDontneedOfAnon_ZeroesTheGuestPage()
    {
        // MADV_DONTNEED on private anon discards content: the next fault sees the zero page
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 44);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.MadviseDontneed, Hva));
        Assert.Equal(0UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.Equal(0UL, vm.HostRead(Hva));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void MadviseDontneedOfShmem_KeepsThePageCacheContent()
    {
        // MADV_DONTNEED on shared memory only drops the mapping; the page cache keeps the data
        var vm = TestVm.WithSlot(BackingKind.Shmem, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 44);
        vm.RunHostOp(HostOp.MadviseDontneed, Hva);
        Assert.Equal(44UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void PoisonedPage_GuestAccessGetsSigbusHwpoison()
    {
        // kvm_s2_fault_pin_pfn: KVM_PFN_ERR_HWPOISON -> kvm_send_hwpoison_signal
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Poison, Hva));
        Assert.False(vm.Leaf(Gpa).Valid);
        var a = vm.Access(Gpa, AccessKind.Write, 2);
        Assert.Equal("sigbus-hwpoison", a.Exit.Name);
        Assert.Equal(Sizes.PageShift, a.Handler.State.SigbusLsb);
        Assert.Equal("ok", vm.Access(Gpa + 0x1000, AccessKind.Write, 3).Exit.Name);
    }

    [Fact]
    public void PoisonedHugetlbPage_ReportsTheHugePageShift()
    {
        // kvm_send_hwpoison_signal(hva, vma_shift): lsb is the VMA's page shift
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, 2 * Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.RunHostOp(HostOp.Poison, Hva + 0x3000);
        var a = vm.Access(Gpa + 0x5000, AccessKind.Read);
        Assert.Equal("sigbus-hwpoison", a.Exit.Name);
        Assert.Equal(Sizes.PmdShift, a.Handler.State.SigbusLsb);
    }

    [Fact]
    public void MprotectReadOnly_WriteProtectsViaUnmapAndWriteFaultFails()
    {
        // mprotect invalidates the range; a write fault then fails FOLL_WRITE -> -EFAULT
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.RunHostOp(HostOp.Mprotect, Hva, Sizes.PmdSize, HostProt.Read);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(1UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
        Assert.Equal("efault", vm.Access(Gpa, AccessKind.Write, 2).Exit.Name);
        vm.RunHostOp(HostOp.Mprotect, Hva, Sizes.PmdSize, HostProt.Read | HostProt.Write);
        Assert.Equal("ok", vm.Access(Gpa, AccessKind.Write, 2).Exit.Name);
        Assert.Equal(2UL, vm.HostRead(Hva));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void HostWriteToPageMappedByGuest_IsSeenByTheGuest()
    {
        // the guest and the VMM share the same pfn: stage 2 maps what the host maps
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var w = new Model.Notifier.HostAccess(vm.Kvm, vm.NextId(), new Hva(Hva), true, 99);
        Drive.ToEnd(w);
        Assert.Equal(99UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
    }

    [Fact]
    public void HostWriteToZeroPageMappedByGuest_BreaksCowThroughTheNotifier()
    {
        // do_wp_page on the zero page changes a present PTE: invalidate_range_start unmaps stage 2 first
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        var w = new Model.Notifier.HostAccess(vm.Kvm, vm.NextId(), new Hva(Hva), true, 99);
        Drive.ToEnd(w);
        Assert.Equal(1UL, vm.Kvm.Notifier.MmuInvalidateSeq);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(99UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        vm.Kvm.Oracle.Check();
        Assert.Empty(vm.Violations);
    }
}
