using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Nested;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Scheduling;

/// <summary>The one table of which worker runs each activity kind, as every engine asks it.</summary>
public class OwnerTests
{
    [Fact]
    public void EachActivityKind_RunsWhereTheKernelRunsIt()
    {
        var vm = new TestVm(new KvmConfig(Vcpus: 3));
        var k = vm.Kvm;
        var v2 = k.Vcpus[2];
        var hva = new Hva(TestVm.SlotHva);
        var notifier = new Owner(OwnerKind.MmuNotifier, -1);
        var memslots = new Owner(OwnerKind.Memslots, -1);

        Assert.Equal(Owner.OfVcpu(2), Owner.Of(new GuestAccess(k, 1, v2, new Ipa(0), AccessKind.Read, 0)));
        Assert.Equal(Owner.OfVcpu(2), Owner.Of(new PreFaultMemory(k, 2, v2, new Ipa(0), Sizes.PageSize)));
        Assert.Equal(Owner.OfVcpu(2), Owner.Of(new NestedTransition(k, 3, v2, null))); // hw_mmu is the vCPU's
        Assert.Equal(memslots, Owner.Of(new MemslotUpdate(k, 4, new MemslotRequest(0, new Ipa(0), Sizes.PageSize, hva, MemslotFlags.None))));
        Assert.Equal(memslots, Owner.Of(new DirtyLogIoctl(k, 5, 0, clear: false)));
        Assert.Equal(notifier, Owner.Of(new HostOperation(k, 6, HostOp.Migrate, hva, Sizes.PageSize, HostProt.None)));
        Assert.Equal(notifier, Owner.Of(new AgeOperation(k, 7, new Ipa(0), Sizes.PageSize)));
        Assert.Equal(notifier, Owner.Of(new HostMmap(k, 8, hva, Sizes.PageSize, BackingKind.Anon, HostProt.Read, shared: false))); // an mmap, not an ioctl
        Assert.Equal(notifier, Owner.Of(new MteSyncTags(k, 9, hva))); // another mapping's set_pte_at
        Assert.Equal("vcpu-2", Owner.OfVcpu(2).Name);
        Assert.Equal("memslots", memslots.Name);
        Assert.Equal("mmu-notifier", notifier.Name);
    }
}
