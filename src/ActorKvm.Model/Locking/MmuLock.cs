namespace ActorKvm.Model.Locking;

/// <summary>
/// <c>kvm-&gt;mmu_lock</c>, a queued rwlock: many readers or one writer, granted in FIFO order so a waiting
/// writer is not starved — a new reader queues behind a waiting writer, as <c>queued_read_lock_slowpath</c>
/// makes it. Holders are integers (activity ids) so the lock checker can tell whether the caller of a guarded
/// operation holds it. Acquisition never blocks here: <c>TryAcquire*</c> fails, queues the caller, and the
/// caller retries when it is told the lock moved (the scenario runner and the lock actor decide when).
/// </summary>
public sealed class MmuLock
{
    private readonly List<int> _readers = [];
    private readonly List<(int Holder, LockMode Mode)> _queue = [];

    /// <summary>The writer, or -1.</summary>
    public int Writer { get; private set; } = -1;
    /// <summary>Current readers.</summary>
    public IReadOnlyList<int> Readers => _readers;
    /// <summary>Waiters in arrival order.</summary>
    public IReadOnlyList<(int Holder, LockMode Mode)> Queue => _queue;
    /// <summary>Times a caller had to queue for the read side (each wait counted once).</summary>
    public long ReadWaits { get; private set; }
    /// <summary>Times a caller had to queue for the write side (each wait counted once).</summary>
    public long WriteWaits { get; private set; }
    /// <summary>Grants and releases so far: each is an atomic on the lock word (what modelled time charges as cache-line traffic).</summary>
    public long WordUpdates { get; private set; }
    /// <summary>True when nobody holds it.</summary>
    public bool IsFree => Writer < 0 && _readers.Count == 0;

    /// <summary>Takes the read side (true also when already held), or queues the caller.</summary>
    public bool TryAcquireRead(int holder) => TryAcquire(holder, LockMode.Read);

    /// <summary>Takes the write side (true also when already held), or queues the caller.</summary>
    public bool TryAcquireWrite(int holder) => TryAcquire(holder, LockMode.Write);

    /// <summary>Takes <paramref name="mode"/> if it is free for it and nobody queued earlier is owed it first.</summary>
    public bool TryAcquire(int holder, LockMode mode)
    {
        var held = ModeOf(holder);
        if (held == LockMode.Write || held == mode) return true;
        var pos = QueuePosition(holder);
        if (!Compatible(mode) || !Eligible(pos, mode))
        {
            if (pos < 0)
            {
                _queue.Add((holder, mode));
                if (mode == LockMode.Write) WriteWaits++; else ReadWaits++;
            }
            return false;
        }
        if (pos >= 0) _queue.RemoveAt(pos);
        WordUpdates++;
        if (mode == LockMode.Write) Writer = holder;
        else _readers.Add(holder);
        return true;
    }

    /// <summary>Releases whatever <paramref name="holder"/> holds.</summary>
    public void Release(int holder)
    {
        if (Writer == holder) Writer = -1;
        else if (!_readers.Remove(holder)) throw new InvalidOperationException($"holder {holder} does not hold mmu_lock");
        WordUpdates++;
    }

    /// <summary>Forgets a waiter that will not come back for the lock.</summary>
    public void CancelWait(int holder)
    {
        // A loop, not RemoveAll with a lambda: the closure over holder was allocated on every call (~20 per fault).
        // A holder queues at most once (TryAcquire adds it only when it is not queued).
        var pos = QueuePosition(holder);
        if (pos >= 0) _queue.RemoveAt(pos);
    }

    /// <summary>The mode <paramref name="holder"/> holds.</summary>
    public LockMode ModeOf(int holder) => Writer == holder ? LockMode.Write : _readers.Contains(holder) ? LockMode.Read : LockMode.None;

    /// <summary>The waiter that would get the lock next if it asked now, or -1.</summary>
    public int NextEligible()
    {
        for (var i = 0; i < _queue.Count; i++)
            if (Compatible(_queue[i].Mode) && Eligible(i, _queue[i].Mode)) return _queue[i].Holder;
        return -1;
    }

    /// <summary>Holders (and earlier waiters) that <paramref name="holder"/> waits behind for <paramref name="mode"/>.</summary>
    public IEnumerable<int> Blockers(LockMode mode, int holder = -1)
    {
        if (Writer >= 0 && Writer != holder) yield return Writer;
        if (mode == LockMode.Write) foreach (var r in _readers) if (r != holder) yield return r;
        foreach (var (h, _) in _queue)
        {
            if (h == holder) yield break;
            yield return h;
        }
    }

    // A loop rather than FindIndex with a lambda: the lambda's closure over holder was an allocation per lock attempt.
    private int QueuePosition(int holder)
    {
        for (var i = 0; i < _queue.Count; i++) if (_queue[i].Holder == holder) return i;
        return -1;
    }

    private bool Compatible(LockMode mode) => mode == LockMode.Write ? IsFree : Writer < 0;

    /// <summary>FIFO: the head may go; a reader may also go when only readers wait before it.</summary>
    private bool Eligible(int pos, LockMode mode)
    {
        var ahead = pos < 0 ? _queue.Count : pos;
        if (ahead == 0) return true;
        if (mode == LockMode.Write) return false;
        for (var i = 0; i < ahead; i++) if (_queue[i].Mode == LockMode.Write) return false;
        return true;
    }
}
