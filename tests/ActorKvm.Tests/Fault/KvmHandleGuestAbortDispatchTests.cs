using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>
/// <c>kvm_handle_guest_abort</c> dispatches once, in the kernel's order, to the handler named after the kernel's
/// function, which reports exactly its own phase list; the handler is made once and reused by later aborts.
/// </summary>
public class KvmHandleGuestAbortDispatchTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    private static readonly string[] LookupPhases = ["classify", "memslot-lookup"];

    private static (KvmHandleGuestAbort H, List<string> Phases) Run(TestVm vm, Fsc fsc, bool write = false)
    {
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], vm.NextId());
        h.Begin(GuestAbort.At(new Ipa(Gpa), Drive.Dabt(fsc, wnr: write)));
        var phases = new List<string>();
        while (!h.Finished) phases.Add(h.Step().Phase!);
        Assert.Empty(vm.Violations);
        return (h, phases);
    }

    private static string[] Names(ReadOnlySpan<FaultPhase> phases)
    {
        var names = new string[phases.Length];
        for (var i = 0; i < phases.Length; i++) names[i] = phases[i].Name();
        return names;
    }

    [Fact]
    public void TranslationFault_OnAnonymousMemory_GoesToUserMemAbort_ThroughKvmS2FaultMap()
    {
        var (h, phases) = Run(TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize), Drive.Xlate, write: true);
        var handler = Assert.IsType<UserMemAbort>(h.Handler);
        Assert.Equal(["vma-snapshot", "pfn-faultin", "prot-computed", "mmu-lock", "retry-check", "thp-adjust", "map", "complete"], Names(handler.Phases));
        Assert.Equal([.. LookupPhases, .. Names(handler.Phases)], phases);
        Assert.Equal(new KvmS2FaultMapping(Sizes.PageSize, S2Prot.RW, Writable: true), h.State.Mapping with { Prot = h.State.Mapping.Prot & S2Prot.PermMask });
    }

    [Fact]
    public void TranslationFault_OnGuestMemfd_GoesToGmemAbort()
    {
        var (h, phases) = Run(TestVm.WithSlot(BackingKind.GuestMemfd, Sizes.PmdSize, flags: MemslotFlags.GuestMemfd), Drive.Xlate);
        var handler = Assert.IsType<GmemAbort>(h.Handler);
        Assert.Equal(["pfn-faultin", "prot-computed", "mmu-lock", "retry-check", "map", "complete"], Names(handler.Phases));
        Assert.Equal([.. LookupPhases, .. Names(handler.Phases)], phases);
    }

    [Fact]
    public void TranslationFault_OfAProtectedVm_GoesToPkvmMemAbort()
    {
        var (h, phases) = Run(TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Protected: true)), Drive.Xlate);
        var handler = Assert.IsType<PkvmMemAbort>(h.Handler);
        Assert.Equal(["pfn-faultin", "mmu-lock", "map", "complete"], Names(handler.Phases));
        Assert.Equal([.. LookupPhases, .. Names(handler.Phases)], phases);
    }

    [Fact]
    public void AccessFlagFault_GoesToHandleAccessFault_EvenForAProtectedVm()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Protected: true));
        Run(vm, Drive.Xlate);
        var (h, phases) = Run(vm, FscCodes.AccessFlag(3));
        var handler = Assert.IsType<HandleAccessFault>(h.Handler);
        Assert.Equal(["mmu-lock", "map", "complete"], Names(handler.Phases));
        Assert.Equal([.. LookupPhases, .. Names(handler.Phases)], phases);
    }

    [Fact]
    public void LaterAborts_ReuseTheSameHandler()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], vm.NextId());
        AbortHandler? first = null;
        for (ulong i = 0; i < 3; i++)
        {
            h.Begin(GuestAbort.At(new Ipa(Gpa + i * Sizes.PageSize), Drive.Dabt(Drive.Xlate, wnr: true)));
            while (!h.Finished) h.Step();
            first ??= h.Handler;
            Assert.Same(first, h.Handler);
        }
    }

    [Fact]
    public void AnAbortOutsideEveryMemslot_IsDispatchedToNoHandler()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], vm.NextId());
        h.Begin(GuestAbort.At(new Ipa(Gpa + 4 * Sizes.PmdSize), Drive.Dabt(Drive.Xlate)));
        while (!h.Finished) h.Step();
        Assert.Null(h.Handler);
        Assert.Equal(AccessExitKind.Mmio, h.Exit!.Value.Kind);
    }
}
