namespace ActorKvm.Model.Locking;

/// <summary>
/// <c>kvm-&gt;srcu</c>: faults hold a read section from memslot lookup to the end of the abort handler;
/// <c>synchronize_srcu</c> waits for every reader that started before it, never for later ones.
/// </summary>
public sealed class Srcu(PhaseLockChecker? checker = null)
{
    private readonly Dictionary<int, ulong> _readers = [];
    private ulong _epoch;

    /// <summary><c>srcu_read_lock</c> by <paramref name="holder"/>.</summary>
    public void ReadLock(int holder)
    {
        checker?.Took(KernelLocks.SrcuRead);
        _readers[holder] = _epoch;
    }

    /// <summary><c>srcu_read_unlock</c>; one by a <paramref name="holder"/> outside a read section raises <see cref="UnheldUnlock"/>.</summary>
    public void ReadUnlock(int holder)
    {
        if (!_readers.Remove(holder)) UnheldUnlock?.Invoke(holder);
    }

    /// <summary>Raised by a <c>srcu_read_unlock</c> without its <c>srcu_read_lock</c>: in the kernel it corrupts the SRCU counters.</summary>
    public event Action<int>? UnheldUnlock;

    /// <summary>Read sections open now.</summary>
    public int ReaderCount => _readers.Count;

    /// <summary>True while <paramref name="holder"/> is inside a read section.</summary>
    public bool Holds(int holder) => _readers.ContainsKey(holder);

    /// <summary>Starts a grace period; returns the ticket to wait on.</summary>
    public ulong StartSync() => ++_epoch;

    /// <summary>Readers that started before grace period <paramref name="ticket"/> and are still inside.</summary>
    public IEnumerable<int> PendingReaders(ulong ticket)
    {
        foreach (var (h, e) in _readers) if (e < ticket) yield return h;
    }

    /// <summary>True when grace period <paramref name="ticket"/> has elapsed.</summary>
    public bool SyncDone(ulong ticket)
    {
        foreach (var e in _readers.Values) if (e < ticket) return false;
        return true;
    }
}
