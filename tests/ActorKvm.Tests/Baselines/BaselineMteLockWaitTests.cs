using ActorKvm.Engine.Baselines;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Baselines;

/// <summary>
/// The baselines' PG_mte_lock wait (MTE guest, shared shmem page): the VMM's PROT_MTE alias has claimed the page
/// (<c>mte_sync_tags</c> after its claim), and a read fault reaches <c>sanitise_mte_tags</c> holding <c>mmu_lock</c> for
/// read. The kernel spins there with the lock held until the alias sets PG_mte_tagged; the baselines' workers must do
/// the same — wait holding the read side of their RWLS — both in <see cref="BaselineGate.RunToDone"/> (the lock-based
/// engine's threads) and in <see cref="BaselineGate.RunLocked"/> (the channels engine's locked stage). Before they
/// did, both threw "waits for progress holding mmu_lock". The order is forced by the scheduler's own state (the fault's
/// recorded wait), not by time.
/// </summary>
public class BaselineMteLockWaitTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FaultBlockedOnPgMteLockUnderMmuLock_WaitsHoldingTheReadSide_AndMapsOnceTheAliasFinishes(bool lockedStage)
    {
        var vm = TestVm.WithSlot(BackingKind.Shmem, 16 * Sizes.PageSize, new KvmConfig(Vcpus: 2, Mte: true));
        using var gate = new BaselineGate(vm.Kvm);
        var alias = new MteSyncTags(vm.Kvm, vm.NextId(), new Hva(TestVm.SlotHva));
        Assert.Equal(PhaseNames.MteSync[0], gate.Step(alias).Result.Phase); // the alias holds PG_mte_lock
        var read = vm.Start(TestVm.SlotGpa, AccessKind.Read);

        Task fault;
        if (lockedStage)
        {
            // The channels engine's pre-lock stage, then its locked stage on another thread.
            var held = LockMode.None;
            while (BaselineGate.Wanted(read, null) != LockMode.Read)
                Assert.Equal(StepStatus.Progressed, gate.Advance(read, LockMode.None, ref held).Result.Status);
            fault = Task.Run(() => gate.RunLocked(read));
        }
        else
        {
            fault = Task.Run(() => gate.RunToDone(read));
        }

        bool Waits()
        {
            lock (vm.Kvm) return gate.Scheduler.WaitOf(read.Id)?.For == WaitFor.PageMteLock;
        }
        Assert.True(SpinWait.SpinUntil(() => Waits() || fault.IsCompleted, Timeout), "the fault neither waited nor ended");
        if (fault.IsFaulted) await fault; // rethrows: the worker refused to wait holding mmu_lock
        Assert.False(fault.IsCompleted, "the fault did not wait for the alias");
        Assert.Equal(1, gate.MmuLock.CurrentReadCount);
        lock (vm.Kvm) Assert.Equal(LockMode.Read, vm.Kvm.MmuLock.ModeOf(read.Id));

        gate.RunToDone(alias); // mte_clear_page_tags, set_page_mte_tagged: the fault goes on
        await fault.WaitAsync(Timeout);
        if (lockedStage)
        {
            // Back to the pre-lock stage for the access's own end (the load after the fault).
            var held = LockMode.None;
            while (!read.IsDone) Assert.NotEqual(StepStatus.Blocked, gate.Advance(read, LockMode.None, ref held).Result.Status);
        }

        Assert.True(read.IsDone);
        Assert.Equal([FaultResult.Map], read.Faults);
        Assert.Equal(Errno.Ok, alias.Result);
        Assert.Equal(0, gate.MmuLock.CurrentReadCount);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
    }
}
