using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Mutation;

/// <summary>
/// Part of the mutation kill criterion (<c>Category=OracleKill</c>): seeded random <c>KVM_PRE_FAULT_MEMORY</c> requests,
/// valid and not (unaligned, empty, wrapping, beyond the IPA space, over holes), over anonymous, THP, hugetlb and
/// guest_memfd slots whose pages the host unmaps, poisons and ages between them, some against a slot being moved and one
/// VM protected. Only the oracle judges (<c>prefault-result-mismatch</c>, <c>prefault-range-unmapped</c> and the rest):
/// the test asserts nothing about the ioctl's results itself.
/// </summary>
[Trait("Category", "OracleKill")]
public class PreFaultFuzzTests
{
    private const ulong BaseGpa = TestVm.SlotGpa;
    private const ulong BaseHva = TestVm.SlotHva;
    private static readonly (ulong Offset, ulong Size, BackingKind Backing, MemslotFlags Flags)[] Slots =
    [
        (0, 2UL << 20, BackingKind.Anon, MemslotFlags.None),
        (4UL << 20, 4UL << 20, BackingKind.Thp, MemslotFlags.None), // a 2M hole before it
        (16UL << 20, 2UL << 20, BackingKind.Hugetlb2M, MemslotFlags.None),
        (32UL << 20, 256UL << 10, BackingKind.GuestMemfd, MemslotFlags.GuestMemfd),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomPreFaults_MeetTheOracle(int seed)
    {
        var vm = new TestVm(new KvmConfig(IpaBits: 36));
        for (var i = 0; i < Slots.Length; i++)
        {
            var s = Slots[i];
            vm.Vma(BaseHva + s.Offset, s.Size, s.Backing).Slot(i, BaseGpa + s.Offset, s.Size, BaseHva + s.Offset, s.Flags);
        }
        var rng = new Random(seed);
        var unmapped = new List<ulong>();
        for (var n = 0; n < 120; n++)
        {
            var (slot, page) = RandomPage(rng);
            switch (rng.Next(10))
            {
                case 0:
                    vm.Access(page, rng.Next(2) == 0 ? AccessKind.Write : AccessKind.Read, (ulong)n + 1);
                    break;
                case 1:
                    // kvm_age_gfn over the slot: pre-faulted leaves go old, a later pre-fault makes them young again.
                    Drive.ToEnd(new AgeOperation(vm.Kvm, vm.NextId(), new Ipa(BaseGpa + Slots[slot].Offset), Slots[slot].Size));
                    break;
                case 2 when Slots[slot].Backing != BackingKind.Hugetlb2M:
                    {
                        // One page leaves the host (no VMA: the pre-fault's fault fails), or is poisoned (-EHWPOISON).
                        var hva = BaseHva + (page - BaseGpa);
                        if (rng.Next(3) == 0) vm.RunHostOp(HostOp.Poison, hva);
                        else if (vm.RunHostOp(HostOp.Munmap, hva) == Errno.Ok) unmapped.Add(hva);
                        break;
                    }
                case 3 when unmapped.Count > 0:
                    {
                        var hva = unmapped[^1];
                        unmapped.RemoveAt(unmapped.Count - 1);
                        var back = FindSlot(hva - BaseHva).Backing;
                        Drive.ToEnd(new HostMmap(vm.Kvm, vm.NextId(), new Hva(hva), Sizes.PageSize, back, HostProt.Read | HostProt.Write, shared: false));
                        break;
                    }
                case 4:
                    {
                        // A pre-fault against a move of the THP slot that has published the invalid slot (-EAGAIN), then the move back.
                        var s = Slots[1];
                        var move = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(1, new Ipa(BaseGpa + s.Offset + (1UL << 30)), s.Size, new Hva(BaseHva + s.Offset), MemslotFlags.None));
                        Drive.Until(move, MemslotOpPhase.SlotInvalidated.Name());
                        PreFault(vm, BaseGpa + s.Offset + (ulong)rng.Next(4) * Sizes.PageSize, Sizes.PageSize * (ulong)(1 + rng.Next(4)));
                        Drive.ToEnd(move);
                        var back = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(1, new Ipa(BaseGpa + s.Offset), s.Size, new Hva(BaseHva + s.Offset), MemslotFlags.None));
                        Drive.ToEnd(back);
                        break;
                    }
                default:
                    {
                        var (g, size) = RandomRange(rng, page, vm.Kvm.Config.PhysSize);
                        PreFault(vm, g, size);
                        break;
                    }
            }
            vm.Kvm.Oracle.Check();
        }
        vm.Kvm.Oracle.CheckAtRest();
        Assert.True(vm.Kvm.Oracle.Violations.Count == 0, string.Join("; ", vm.Kvm.Oracle.Violations));
    }

    [Fact]
    public void PreFaultOfAProtectedVm_MeetsTheOracle()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Protected: true));
        PreFault(vm, BaseGpa, Sizes.PageSize);
        PreFault(vm, BaseGpa + 1, Sizes.PageSize);
        vm.Kvm.Oracle.CheckAtRest();
        Assert.True(vm.Kvm.Oracle.Violations.Count == 0, string.Join("; ", vm.Kvm.Oracle.Violations));
    }

    private static void PreFault(TestVm vm, ulong gpa, ulong size) =>
        Drive.ToEnd(new PreFaultMemory(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0], new Ipa(gpa), size));

    private static (ulong Offset, ulong Size, BackingKind Backing, MemslotFlags Flags) FindSlot(ulong offset) =>
        Slots.First(s => offset >= s.Offset && offset < s.Offset + s.Size);

    private static (int Slot, ulong Gpa) RandomPage(Random rng)
    {
        var i = rng.Next(Slots.Length);
        return (i, BaseGpa + Slots[i].Offset + (ulong)rng.NextInt64((long)(Slots[i].Size / Sizes.PageSize)) * Sizes.PageSize);
    }

    /// <summary>Mostly a few pages from <paramref name="page"/> (running into holes and slot ends); sometimes a bad request.</summary>
    private static (ulong Gpa, ulong Size) RandomRange(Random rng, ulong page, ulong physSize)
    {
        var size = Sizes.PageSize * (ulong)(1 + rng.Next(rng.Next(4) == 0 ? 600 : 8));
        return rng.Next(12) switch
        {
            0 => (page + 0x10, size),                              // unaligned gpa
            1 => (page, size + 0x200),                             // unaligned size
            2 => (page, 0),                                        // empty
            3 => (ulong.MaxValue - Sizes.PageSize + 1, 2 * Sizes.PageSize), // wraps
            4 => (physSize - Sizes.PageSize, 2 * Sizes.PageSize),  // runs out of the IPA space
            5 => (BaseGpa + (2UL << 20) - Sizes.PageSize, 3 * Sizes.PageSize), // the end of slot 0, then the hole
            _ => (page, size),
        };
    }
}
