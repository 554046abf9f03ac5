using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>
/// MTE slots and mappings as the current kernel has them: <c>kvm_arch_prepare_memory_region</c> requires
/// VM_MTE_ALLOWED, and VM_SHARED is no longer refused ("KVM: arm64: permit all VM_MTE_ALLOWED mappings with MTE
/// enabled" removed that rule; concurrent sanitisers are serialised per page by <c>try_page_mte_tagging</c>).
/// </summary>
public class MteTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    [Fact]
    public void SharedShmemSlotInAnMteVm_IsAllowed_AndItsPagesAreSanitisedOnFirstMap()
    {
        var vm = new TestVm(new KvmConfig(Mte: true)).Vma(Hva, Sizes.PmdSize, BackingKind.Shmem, shared: true).Slot(0, Gpa, Sizes.PmdSize, Hva);
        var a = vm.Access(Gpa + 0x2000, AccessKind.Write, 3);
        Assert.Equal(AccessExitKind.Ok, a.Exit.Kind);
        var pfn = vm.Leaf(Gpa + 0x2000).Leaf.Pfn;
        var folio = vm.Kvm.Phys.FolioOf(pfn)!;
        Assert.True(folio.IsMteTagged((ulong)(pfn - folio.Head)));
        Assert.Empty(vm.Violations);
    }

    [Theory]
    [InlineData(BackingKind.File, Errno.EINVAL)]
    [InlineData(BackingKind.GuestMemfd, Errno.EINVAL)]
    [InlineData(BackingKind.Anon, Errno.Ok)]
    [InlineData(BackingKind.Hugetlb2M, Errno.Ok)]
    public void SlotCreationInAnMteVm_NeedsVmMteAllowed(BackingKind backing, Errno expected)
    {
        var vm = new TestVm(new KvmConfig(Mte: true)).Vma(Hva, Sizes.PmdSize, backing);
        var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(Gpa), Sizes.PmdSize, new Hva(Hva), MemslotFlags.None));
        u.RunToEnd();
        Assert.Equal(expected, u.Result);
    }
}
