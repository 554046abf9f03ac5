using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary><c>gmem_abort</c>: faults on guest_memfd-backed slots (no VMA, no mmap_lock, PAGE_SIZE only).</summary>
public class GmemAbortTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static TestVm GmemVm(ulong size = Sizes.PmdSize, KvmConfig? config = null) =>
        TestVm.WithSlot(BackingKind.GuestMemfd, size, config, MemslotFlags.GuestMemfd);

    [Fact]
    public void ReadFault_MapsTheFilePageWritableAtPageSize_WithoutPopulatingTheHostPageTable()
    {
        var vm = GmemVm();
        var a = vm.Access(Gpa + 0x5000, AccessKind.Read);
        Assert.Equal(AccessExitKind.Ok, a.Exit.Kind);
        Assert.Equal([FaultResult.Map], a.Faults);
        var leaf = vm.Leaf(Gpa + 0x5000).Leaf;
        Assert.Equal(Sizes.PageSize, leaf.Size); // a 2M-aligned, 2M slot: still no block
        Assert.Equal(S2Prot.RW, leaf.Perms);     // writable = !KVM_MEM_READONLY, whatever the fault kind
        Assert.Equal(vm.Kvm.Mm.GmemPfn(new Hva(Hva + 0x5000)), leaf.Pfn);
        Assert.False(vm.Kvm.Mm.PageTable.TryGet(new Hva(Hva + 0x5000), out _));
        Assert.Empty(vm.Violations);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void Phases_SkipTheVmaSnapshotAndTheSizeDecision()
    {
        var vm = GmemVm();
        var a = vm.Start(Gpa, AccessKind.Write, 4);
        var phases = new List<string>();
        while (!a.IsDone) phases.Add(a.Step().Phase ?? "done");
        Assert.Equal(["classify", "memslot-lookup", "pfn-faultin", "prot-computed", "mmu-lock", "retry-check", "map", "complete", "done"], phases);
        Assert.Equal(4UL, vm.HostRead(Hva));
    }

    [Fact]
    public void PoisonedPage_IsAMemoryFaultExit_NotASigbus()
    {
        var vm = GmemVm();
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Poison, Hva));
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(AccessExitKind.MemoryFault, a.Exit.Kind);
        Assert.Equal(Errno.EHWPOISON, a.Exit.Errno);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void InvalidationBetweenSeqReadAndLock_Retries()
    {
        var vm = GmemVm();
        var a = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(a, "pfn-faultin");
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.MadviseDontneed, Hva, Sizes.PmdSize));
        Drive.ToEnd(a);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], a.Faults);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void MemcacheTopUpFailure_IsEnomemBeforeTheFileIsTouched()
    {
        var vm = GmemVm();
        vm.Kvm.Vcpus[0].MmuPageCache.FailAllocations = true;
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(Errno.ENOMEM, a.Exit.Errno);
        Assert.Null(vm.Kvm.Mm.GmemPfn(new Hva(Hva)));
    }

    [Fact]
    public void ExecPermissionFault_IsReMappedNotRelaxed_SoMapSeesOnlyAPermissionChange()
    {
        // gmem_abort never calls relax_perms; kvm_pgtable_stage2_map on a leaf that differs only in permissions returns
        // -EAGAIN (stage2_pte_needs_update), so without CACHE_DIC an exec fault after a read re-faults for ever. The
        // model reproduces it (no-progress); compare libkrun#479, a guest busy-looping on mappable guest_memfd.
        var vm = GmemVm();
        vm.Access(Gpa, AccessKind.Read);
        var x = vm.Access(Gpa, AccessKind.Exec);
        Assert.DoesNotContain(FaultResult.Relax, x.Faults);
        Assert.All(x.Faults, f => Assert.Equal(FaultResult.Spurious, f));
        Assert.Equal(AccessExitKind.Livelock, x.Exit.Kind);
    }

    [Fact]
    public void ExecFaultWithCacheDic_MapsExecutableAtOnce()
    {
        var vm = GmemVm(config: new KvmConfig(CacheDic: true));
        vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(S2Prot.RWX, vm.Leaf(Gpa).Leaf.Perms);
        var x = vm.Access(Gpa, AccessKind.Exec);
        Assert.Empty(x.Faults);
    }

    [Fact]
    public void GmemSlotRefusesDirtyLogging()
    {
        var vm = GmemVm();
        var u = vm.SetFlags(0, MemslotFlags.GuestMemfd | MemslotFlags.LogDirtyPages);
        u.RunToEnd();
        Assert.Equal(Errno.EINVAL, u.Result);
    }
}
