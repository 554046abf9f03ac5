using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary><c>kvm_s2_fault_compute_prot</c>: memory type, X and W.</summary>
public class ComputeProtTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    [Fact]
    public void NonCacheablePfnmap_MapsDeviceMemoryWithoutExecute()
    {
        // kvm_s2_fault_compute_prot: PFNMAP, !pfn_is_map_memory, VMA not cacheable -> s2_force_noncacheable -> PROT_DEVICE
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PageSize * 16, new KvmConfig(CacheDic: true));
        vm.Access(Gpa, AccessKind.Write, 4);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(MemType.Device, leaf.MemType);
        Assert.Equal(S2Prot.None, leaf.Prot & S2Prot.X);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ExecOnDeviceMemory_InjectsPrefetchAbort()
    {
        // kvm_s2_fault_compute_prot: exec_fault && s2_force_noncacheable -> -ENOEXEC -> prefetch abort
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PageSize * 16);
        var a = vm.Access(Gpa, AccessKind.Exec);
        Assert.Equal("inject-iabt", a.Exit.Name);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void CacheablePfnmapWithoutFwbAndDic_FailsWithEfault()
    {
        // kvm_s2_fault_compute_prot: cacheable PFNMAP && !kvm_supports_cacheable_pfnmap() -> -EFAULT
        // (the VMA appears after the slot, so kvm_arch_prepare_memory_region did not see it)
        var vm = new TestVm(new KvmConfig(S2Fwb: true, CacheDic: false)).Slot(0, Gpa, Sizes.PmdSize, Hva)
            .Vma(Hva, Sizes.PmdSize, BackingKind.DeviceCacheable);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal("efault", a.Exit.Name);
        Assert.False(vm.Leaf(Gpa).Valid);
    }

    [Fact]
    public void CacheablePfnmapWithFwbAndDic_MapsNormalMemory()
    {
        // kvm_s2_fault_compute_prot: cacheable PFNMAP allowed with S2FWB + CACHE_DIC, mapping stays Normal
        var vm = TestVm.WithSlot(BackingKind.DeviceCacheable, Sizes.PmdSize, new KvmConfig(S2Fwb: true, CacheDic: true));
        vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(MemType.Normal, vm.Leaf(Gpa).Leaf.MemType);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void CacheablePfnmapSlotWithoutFwbAndDic_IsRefusedAtCreation()
    {
        // kvm_arch_prepare_memory_region: VM_PFNMAP cacheable && !kvm_supports_cacheable_pfnmap -> -EINVAL
        var vm = new TestVm(new KvmConfig(CacheDic: false)).Vma(Hva, Sizes.PmdSize, BackingKind.DeviceCacheable);
        var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(Gpa), Sizes.PmdSize, new Hva(Hva), MemslotFlags.None));
        Drive.ToEnd(u);
        Assert.Equal(Errno.EINVAL, u.Result);
    }

    [Fact]
    public void ReadFaultWhileLogging_MapsReadOnlyEvenWhenHostPageIsWritable()
    {
        // kvm_s2_fault_compute_prot: logging_active && !write_fault -> writable = false
        var vm = TestVm.WithSlot(BackingKind.Shmem, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal("ok", a.Exit.Name);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
        Assert.False(vm.Kvm.Memslots.ById(0)!.DirtyBitmap!.Test(0));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ReadFaultWithoutLogging_MapsWritableWhenHostPageIsWritable()
    {
        // __kvm_faultin_pfn: writable can be true on a read fault (shared shmem is mapped writable on read)
        var vm = TestVm.WithSlot(BackingKind.Shmem, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
    }

    [Fact]
    public void CacheDic_MakesEveryNormalLeafExecutable()
    {
        // kvm_s2_fault_compute_prot: ARM64_HAS_CACHE_DIC -> PROT_X on every (non-device) mapping
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(CacheDic: true));
        vm.Access(Gpa, AccessKind.Read);
        vm.Access(Gpa + 0x1000, AccessKind.Write, 1);
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.X);
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa + 0x1000).Leaf.Prot & S2Prot.X);
    }

    [Fact]
    public void WithoutCacheDic_OnlyExecFaultsMapExecutable()
    {
        // kvm_s2_fault_compute_prot: exec_fault -> PROT_X; otherwise no X without CACHE_DIC
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(CacheDic: false));
        vm.Access(Gpa, AccessKind.Read);
        vm.Access(Gpa + 0x1000, AccessKind.Exec);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.X);
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa + 0x1000).Leaf.Prot & S2Prot.X);
    }

    [Fact]
    public void AtomicOnDeviceMemory_InjectsExclusiveAtomicAbortWithoutLeakingAReference()
    {
        // kvm_s2_fault_compute_prot: ESR_ELx_FSC_EXCL_ATOMIC with a memslot -> kvm_inject_dabt_excl_atomic
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PageSize * 16);
        vm.Access(Gpa, AccessKind.Read);
        var a = vm.Access(Gpa, AccessKind.Atomic);
        Assert.Equal("inject-excl-atomic", a.Exit.Name);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void MteVmFaultOnVmaWithoutMteAllowed_FailsWithEfaultAndReleasesThePage()
    {
        // kvm_s2_fault_compute_prot: !fault_is_perm && kvm_has_mte && !mte_allowed -> -EFAULT (page released unused)
        var vm = new TestVm(new KvmConfig(Mte: true)).Slot(0, Gpa, Sizes.PmdSize, Hva).Vma(Hva, Sizes.PmdSize, BackingKind.File);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal("efault", a.Exit.Name);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.All(vm.Kvm.Mm.PageTable.LeavesIn(new Hva(Hva), new Hva(Hva + Sizes.PmdSize)), p => Assert.Equal(0, p.Folio!.GupRefs));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void MteVmTranslationFault_SanitisesTagsOfEveryMappedPage()
    {
        // sanitise_mte_tags: every page of the mapping gets PG_mte_tagged before the leaf is visible
        var vm = TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize, new KvmConfig(Mte: true));
        vm.Access(Gpa, AccessKind.Write, 1);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        var folio = vm.Kvm.Phys.FolioOf(leaf.Pfn)!;
        for (ulong i = 0; i < Sizes.PtrsPerPmd; i++) Assert.True(folio.IsMteTagged(i));
        Assert.Empty(vm.Violations);
    }
}
