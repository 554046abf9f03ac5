using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rules <c>memslot-ioctl-mismatch</c>, <c>dirty-log-mismatch</c> and <c>host-result-mismatch</c>: the oracle restates what
/// the memslot and dirty-log ioctls and the VMM's own memory operations promise, and keeps its own copy of every dirty bitmap. Each planted test breaks the state the way a broken model
/// would (and fails if the rule is removed); its twin runs the faithful model.
/// </summary>
public class IoctlRulesTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    private static List<ViolationKind> Kinds(TestVm vm) => vm.Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    private static DirtyLogIoctl Clear(TestVm vm, ulong first, ulong count, int slot = 0)
    {
        var d = new DirtyLogIoctl(vm.Kvm, vm.NextId(), slot, clear: true, first, count);
        Drive.ToEnd(d);
        return d;
    }

    // --- dirty-log-mismatch ------------------------------------------------------------------------------------------

    [Fact]
    public void ABitNoFaultSet_IsReported_IsDirtyLogMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Kvm.Memslots.ById(0)!.DirtyBitmap!.Set(5); // a stray bit, as a broken clear or mask would leave
        Assert.Equal([5UL], vm.GetDirtyLog(0).Pages);
        Assert.Equal([ViolationKind.DirtyLogMismatch], Kinds(vm));
    }

    [Fact]
    public void AnInitiallySetBitLostBeforeTheFirstClear_IsDirtyLogMismatch_ThoughTheGuestNeverWroteIt()
    {
        var config = new KvmConfig(ManualDirtyProtect: true, InitiallyAllSet: true);
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, config, MemslotFlags.LogDirtyPages);
        vm.Kvm.Memslots.ById(0)!.DirtyBitmap!.ClearMask(1, 1UL << 7); // page 71's initial bit is gone
        var d = Clear(vm, 64, 64);
        Assert.Equal(63, d.Pages.Count);
        Assert.Equal([ViolationKind.DirtyLogMismatch], Kinds(vm));
    }

    [Fact]
    public void FaithfulHarvests_InitiallySet_ThenWrittenAgain_HaveNoViolation()
    {
        var config = new KvmConfig(ManualDirtyProtect: true, InitiallyAllSet: true, EagerSplitChunk: Sizes.PmdSize);
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, 2 * Sizes.PmdSize, config, MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 70 * Sizes.PageSize, AccessKind.Write, 1);
        Assert.Equal(64, Clear(vm, 64, 64).Pages.Count);
        Assert.Empty(Clear(vm, 64, 64).Pages);
        vm.Access(Gpa + 70 * Sizes.PageSize, AccessKind.Write, 2);
        // Pages 0..63 and 128..1023 are still initially set; of 64..127 only the one written again.
        Assert.Equal([70UL], Clear(vm, 0, 1024).Pages.Where(p => p is >= 64 and < 128));
        Assert.Empty(vm.GetDirtyLog(0).Pages);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void DirtyLogErrnos_FollowTheKernelsOrderOfChecks()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(ManualDirtyProtect: true), MemslotFlags.LogDirtyPages);
        Assert.Equal(Errno.EINVAL, Clear(vm, 1, 64, slot: 3).Result);        // first_page & 63 before the slot lookup
        Assert.Equal(Errno.ENOENT, Clear(vm, 0, 64, slot: 3).Result);        // no such slot
        Assert.Equal(Errno.EINVAL, Clear(vm, 0, 64, slot: -1).Result);       // id out of range
        Assert.Equal(Errno.EINVAL, Clear(vm, 0, 10).Result);                 // not a multiple of 64, not to the end
        Assert.Equal(Errno.Ok, Clear(vm, 448, 64).Result);                   // to the end
        Assert.Equal(Errno.EINVAL, Clear(vm, 512, 64).Result);               // past the end
        Assert.Empty(Kinds(vm));
    }

    // --- memslot-ioctl-mismatch --------------------------------------------------------------------------------------

    [Fact]
    public void AnUpdateWhosePublishedSlotIsNotTheRequest_IsMemslotIoctlMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var u = vm.SetFlags(0, MemslotFlags.LogDirtyPages);
        Assert.Equal(StepStatus.Progressed, u.Step().Status); // flags-committed: published, write-protect next
        var published = vm.Kvm.Memslots.ById(0)!;
        // A broken update that dropped the flag again (or published the old copy).
        var wrong = new Memslot(0, published.BaseGfn, published.NPages, published.UserspaceAddr, MemslotFlags.None, null);
        vm.Kvm.PublishMemslots(vm.Kvm.Memslots.With(wrong, vm.Kvm.NextGeneration));
        Drive.ToEnd(u);
        Assert.Equal([ViolationKind.MemslotIoctlMismatch], Kinds(vm));
    }

    [Fact]
    public void FaithfulMemslotIoctls_CreateMoveFlagsDeleteAndRefusals_HaveNoViolation()
    {
        var vm = new TestVm().Vma(TestVm.SlotHva, 8UL << 20, BackingKind.Thp).Vma(0x7f10_0000_0000, Sizes.PmdSize, BackingKind.Device);
        Errno Run(int id, ulong gpa, ulong size, ulong hva, MemslotFlags flags = MemslotFlags.None)
        {
            var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(id, new Ipa(gpa), size, new Hva(hva), flags));
            Drive.ToEnd(u);
            return u.Result;
        }
        Assert.Equal(Errno.Ok, Run(0, Gpa, 4UL << 20, TestVm.SlotHva, MemslotFlags.LogDirtyPages));
        Assert.Equal(Errno.EEXIST, Run(1, Gpa + Sizes.PmdSize, Sizes.PmdSize, TestVm.SlotHva + (4UL << 20)));
        Assert.Equal(Errno.EINVAL, Run(1, Gpa + (8UL << 20), Sizes.PmdSize, 0x7f10_0000_0000, MemslotFlags.LogDirtyPages));
        Assert.Equal(Errno.EINVAL, Run(0, Gpa, 2UL << 20, TestVm.SlotHva));              // other size
        Assert.Equal(Errno.EFAULT, Run(2, (1UL << 40) - Sizes.PmdSize, 4UL << 20, TestVm.SlotHva + (4UL << 20)));
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(Errno.Ok, Run(0, Gpa + (16UL << 20), 4UL << 20, TestVm.SlotHva, MemslotFlags.LogDirtyPages)); // move keeps the bitmap
        Assert.Equal(Errno.Ok, Run(0, Gpa + (16UL << 20), 4UL << 20, TestVm.SlotHva));     // logging off
        Assert.Equal(Errno.Ok, Run(0, 0, 0, 0));                                            // delete
        Assert.Equal(Errno.EINVAL, Run(0, 0, 0, 0));                                        // nothing to delete
        Assert.Empty(Kinds(vm));
    }

    // --- host-result-mismatch ----------------------------------------------------------------------------------------

    [Fact]
    public void AStoreThatSucceededWhereTheVmaIsReadOnly_IsHostResultMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var h = new HostAccess(vm.Kvm, vm.NextId(), new Hva(TestVm.SlotHva), true, 5);
        h.RunToEnd();
        Assert.Empty(Kinds(vm));
        vm.Kvm.Mm.Apply(HostOp.Mprotect, new Hva(TestVm.SlotHva), Sizes.PmdSize, HostProt.Read); // what the store should have seen
        vm.Kvm.Oracle.CheckHostAccess(h);
        Assert.Equal([ViolationKind.HostResultMismatch], Kinds(vm));
    }

    [Fact]
    public void AnMmapThatMappedNothing_IsHostResultMismatch()
    {
        var vm = new TestVm();
        var m = new HostMmap(vm.Kvm, vm.NextId(), new Hva(TestVm.SlotHva), 0x3000, BackingKind.Anon, HostProt.Read | HostProt.Write, false);
        m.RunToEnd();
        Assert.Empty(Kinds(vm));
        vm.Kvm.Mm.Apply(HostOp.Munmap, new Hva(TestVm.SlotHva), 0x3000, HostProt.None);
        vm.Kvm.Oracle.CheckHostMmap(m);
        Assert.Equal([ViolationKind.HostResultMismatch], Kinds(vm));
    }

    [Fact]
    public void FaithfulVmmAccessesAndMmaps_CopyOnWriteReadOnlyUnmappedMisaligned_HaveNoViolation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Errno Access(ulong hva, bool write)
        {
            var h = new HostAccess(vm.Kvm, vm.NextId(), new Hva(hva), write, 3);
            h.RunToEnd();
            return h.Result;
        }
        Errno Mmap(ulong hva, ulong size, BackingKind backing)
        {
            var m = new HostMmap(vm.Kvm, vm.NextId(), new Hva(hva), size, backing, HostProt.Read | HostProt.Write, false);
            m.RunToEnd();
            return m.Result;
        }
        Assert.Equal(Errno.Ok, Access(TestVm.SlotHva, write: false));       // maps the zero page
        Assert.Equal(Errno.Ok, Access(TestVm.SlotHva, write: true));        // breaks copy-on-write under an invalidation
        Assert.Equal(Errno.EFAULT, Access(0x1000, write: false));           // nothing mapped
        Assert.Equal(Errno.EINVAL, Mmap(0x7f10_0010_0000, Sizes.PmdSize, BackingKind.Hugetlb2M));
        Assert.Equal(Errno.EEXIST, Mmap(TestVm.SlotHva + 0x1000, 0x1000, BackingKind.Anon));
        Assert.Equal(Errno.Ok, Mmap(0x7f10_0000_0000, 0x1800, BackingKind.Anon));  // rounded up to two pages
        Assert.Equal(Errno.EINVAL, Mmap(0x7f20_0000_0000, 0, BackingKind.Anon));
        vm.RunHostOp(HostOp.Mprotect, TestVm.SlotHva, Sizes.PmdSize, HostProt.Read);
        Assert.Equal(Errno.EFAULT, Access(TestVm.SlotHva, write: true));
        Assert.Empty(Kinds(vm));
    }
}
