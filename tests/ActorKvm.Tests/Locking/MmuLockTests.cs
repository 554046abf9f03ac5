using ActorKvm.Model.Locking;

namespace ActorKvm.Tests.Locking;

public class MmuLockTests
{
    [Fact]
    public void ReadersShareTheLock_WriterIsExclusive()
    {
        var l = new MmuLock();
        Assert.True(l.TryAcquireRead(1));
        Assert.True(l.TryAcquireRead(2));
        Assert.False(l.TryAcquireWrite(3));
        l.Release(1);
        l.Release(2);
        Assert.True(l.TryAcquireWrite(3));
        Assert.False(l.TryAcquireRead(4));
    }

    // queued_read_lock_slowpath: a new reader queues behind a waiting writer, so writers are not starved.
    [Fact]
    public void NewReaderQueuesBehindWaitingWriter_WriterIsNotStarved()
    {
        var l = new MmuLock();
        Assert.True(l.TryAcquireRead(1));
        Assert.False(l.TryAcquireWrite(2));      // queued
        Assert.False(l.TryAcquireRead(3));       // would be compatible, but a writer waits first
        Assert.Equal([2], l.Blockers(LockMode.Read, 3)); // the queued writer, not the reader holding it
        l.Release(1);
        Assert.False(l.TryAcquireRead(3));       // still behind the writer
        Assert.True(l.TryAcquireWrite(2));
        l.Release(2);
        Assert.True(l.TryAcquireRead(3));
    }

    [Fact]
    public void QueuedReadersBehindOnlyReaders_GoTogether()
    {
        var l = new MmuLock();
        Assert.True(l.TryAcquireWrite(1));
        Assert.False(l.TryAcquireRead(2));
        Assert.False(l.TryAcquireRead(3));
        l.Release(1);
        Assert.True(l.TryAcquireRead(3));        // only a reader waits ahead of it
        Assert.True(l.TryAcquireRead(2));
    }

    [Fact]
    public void AcquireWhenAlreadyHeld_Succeeds()
    {
        var l = new MmuLock();
        Assert.True(l.TryAcquireWrite(1));
        Assert.True(l.TryAcquireWrite(1));
        Assert.True(l.TryAcquireRead(1));
        Assert.Equal(LockMode.Write, l.ModeOf(1));
    }
}
