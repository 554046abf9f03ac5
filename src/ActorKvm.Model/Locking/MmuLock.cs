namespace ActorKvm.Model.Locking;

/// <summary>
/// <c>kvm-&gt;mmu_lock</c>, an rwlock: many readers or one writer. Holders are identified by an integer
/// (an activity id) so the lock checker can tell whether the caller of a guarded operation holds it.
/// Acquisition never blocks here: <c>TryAcquire*</c> fails and the caller waits, as the scenario runner
/// and the lock actor decide.
/// </summary>
public sealed class MmuLock
{
    private readonly List<int> _readers = [];

    /// <summary>The writer, or -1.</summary>
    public int Writer { get; private set; } = -1;
    /// <summary>Current readers.</summary>
    public IReadOnlyList<int> Readers => _readers;
    /// <summary>True when nobody holds it.</summary>
    public bool IsFree => Writer < 0 && _readers.Count == 0;

    /// <summary>Takes the read side unless a writer holds it.</summary>
    public bool TryAcquireRead(int holder)
    {
        if (Writer >= 0) return false;
        _readers.Add(holder);
        return true;
    }

    /// <summary>Takes the write side when the lock is free.</summary>
    public bool TryAcquireWrite(int holder)
    {
        if (!IsFree) return false;
        Writer = holder;
        return true;
    }

    /// <summary>Releases whatever <paramref name="holder"/> holds.</summary>
    public void Release(int holder)
    {
        if (Writer == holder) Writer = -1;
        else if (!_readers.Remove(holder)) throw new InvalidOperationException($"holder {holder} does not hold mmu_lock");
    }

    /// <summary>The mode <paramref name="holder"/> holds.</summary>
    public LockMode ModeOf(int holder) => Writer == holder ? LockMode.Write : _readers.Contains(holder) ? LockMode.Read : LockMode.None;

    /// <summary>Holders that block a request of <paramref name="mode"/>.</summary>
    public IEnumerable<int> Blockers(LockMode mode) =>
        Writer >= 0 ? [Writer] : mode == LockMode.Write ? _readers : [];
}
