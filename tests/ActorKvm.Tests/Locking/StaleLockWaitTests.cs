using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Tests.Locking;

public class StaleLockWaitTests
{
    /// <summary>Queues for the write lock once, then finishes without it (as a host op whose pre-check now fails).</summary>
    private sealed class ChangesItsMind(Kvm kvm, int id) : Activity(kvm, id)
    {
        private bool _tried;

        protected override StepResult StepCore()
        {
            if (!_tried)
            {
                _tried = true;
                if (Kvm.TakeMmuLock(Id, LockMode.Write, "test") is { } wait) return wait;
            }
            return StepResult.Finished(null);
        }

        public override KernelLocks Declares(string? phase) => KernelLocks.MmuWrite;
    }

    [Fact]
    public void ActivityThatQueuedForTheLockAndWentAnotherWay_LeavesTheQueue()
    {
        var kvm = new Kvm(new KvmConfig());
        Assert.True(kvm.MmuLock.TryAcquireRead(1));
        var a = new ChangesItsMind(kvm, 2);
        Assert.Equal(StepStatus.Blocked, a.Step().Status);
        Assert.Single(kvm.MmuLock.Queue);
        Assert.Equal(StepStatus.Done, a.Step().Status);
        Assert.Empty(kvm.MmuLock.Queue);
        kvm.MmuLock.Release(1);
        Assert.True(kvm.MmuLock.TryAcquireWrite(3)); // not stuck behind a waiter that will never come back
    }
}
