using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Records the order in which a free-running stress run delivered its messages, so that the deterministic
/// dispatcher can replay it (<see cref="RecordedOrderStrategy"/>).
/// </summary>
/// <remarks>
/// A recorded turn runs whole inside the model's gate lock (<see cref="Lock"/>, the lock every phase already takes):
/// its delivery number, its model effects and the messages it sends are then one atomic step, so the recorded order
/// is consistent with every mailbox's FIFO order, with causality and with the order of model effects. Recording a
/// position inside a turn without the lock could not be replayed: two turns that both send to one actor could enqueue
/// in the opposite order to their positions. The cost is the part of a turn outside the model (a few sends) now
/// also serialised; the model phases already were. The buffer holds one <c>ushort</c> per delivery (the receiving
/// actor's <see cref="RecordedActors"/> number) in 64 Ki-entry chunks, up to <see cref="Limit"/> entries.
/// </remarks>
public sealed class DeliveryRecorder
{
    /// <summary>Entry: the harness sent <c>StopRequested</c> to the workload here (the run's clock or Ctrl-C).</summary>
    public const ushort ExternalStop = 0xFFFF;
    /// <summary>Entry: inside the workload's turn just recorded, <c>--invalidate-rate</c>'s clock made a host operation due.</summary>
    public const ushort HostOpDue = 0xFFFE;
    /// <summary>Default <see cref="Limit"/>: 32 Mi entries (64 MiB).</summary>
    public const long DefaultLimit = 32L << 20;

    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private readonly List<ushort[]> _chunks = [];
    private readonly Kvm _kvm;

    /// <summary>Records the turns of the actors over <paramref name="kvm"/>, up to <paramref name="limit"/> entries.</summary>
    public DeliveryRecorder(Kvm kvm, long limit = DefaultLimit)
    {
        _kvm = kvm;
        Limit = limit;
    }

    /// <summary>The lock a recorded turn holds: the model's gate (<c>ActivityScheduler.Step</c> locks the same object).</summary>
    public object Lock => _kvm;

    /// <summary>Most entries kept; past it recording stops and <see cref="Overflowed"/> is set.</summary>
    public long Limit { get; }

    /// <summary>Entries recorded (deliveries and decisions).</summary>
    public long Count { get; private set; }

    /// <summary>Deliveries recorded.</summary>
    public long Deliveries { get; private set; }

    /// <summary>True once <see cref="Limit"/> cut the recording short: later turns are not replayable.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>Entries up to and including the turn during which the oracle first reported a violation; -1 if none yet.</summary>
    public long FirstViolationEntries { get; private set; } = -1;

    /// <summary>The delivery (1-based) during which the oracle first reported a violation; -1 if none yet.</summary>
    public long FirstViolationDelivery { get; private set; } = -1;

    /// <summary>Bytes the recording holds.</summary>
    public long Bytes => (long)_chunks.Count * ChunkSize * sizeof(ushort);

    /// <summary>A turn of actor <paramref name="actor"/> begins (called with <see cref="Lock"/> held).</summary>
    public void Delivered(int actor)
    {
        Deliveries++;
        Add((ushort)actor);
    }

    /// <summary>Records a decision entry (<see cref="ExternalStop"/>, <see cref="HostOpDue"/>) with <see cref="Lock"/> held.</summary>
    public void Decision(ushort entry) => Add(entry);

    /// <summary>
    /// The run is over and its final check is about to run (with <see cref="Lock"/> held): turns still in flight
    /// (bookkeeping messages after the workload finished) are recorded, but what the final check reports is not
    /// theirs.
    /// </summary>
    public void Close() => _closed = true;

    private bool _closed;

    /// <summary>A turn ended (with <see cref="Lock"/> held): notes the first violation's position.</summary>
    public void TurnEnded()
    {
        if (_closed) return;
        if (FirstViolationDelivery >= 0 || _kvm.Oracle.Violations.Count == 0) return;
        FirstViolationDelivery = Deliveries;
        if (!Overflowed) FirstViolationEntries = Count; // past the limit the prefix is incomplete: not replayable
    }

    /// <summary>The first <paramref name="count"/> entries (all when -1), in order.</summary>
    public ushort[] Entries(long count = -1)
    {
        lock (Lock)
        {
            var n = count < 0 || count > Count ? Count : count;
            var result = new ushort[n];
            for (long i = 0; i < n; i += ChunkSize)
                Array.Copy(_chunks[(int)(i >> ChunkBits)], 0, result, i, Math.Min(ChunkSize, n - i));
            return result;
        }
    }

    private void Add(ushort entry)
    {
        if (Count >= Limit)
        {
            Overflowed = true;
            return;
        }
        var offset = (int)(Count & (ChunkSize - 1));
        if (offset == 0) _chunks.Add(new ushort[ChunkSize]);
        _chunks[^1][offset] = entry;
        Count++;
    }
}
