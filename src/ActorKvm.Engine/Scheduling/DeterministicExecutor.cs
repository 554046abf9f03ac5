using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// The executor behind the seeded deterministic dispatcher. Akka hands a dispatcher's executor a mailbox
/// whenever that mailbox has work and is not yet scheduled; with <c>throughput = 1</c> one run of a mailbox is
/// one message delivery. This executor runs nothing by itself: it keeps the runnable mailboxes, oldest first,
/// and <see cref="Drive"/> — on the caller's thread — lets a strategy pick which one runs next, records the
/// choice, and runs it. So every actor on the dispatcher interleaves as the strategy says, and only so.
/// </summary>
public sealed class DeterministicExecutor : ExecutorService
{
    private readonly List<IRunnable> _runnable = new(64);
    private int _driverThread = -1;
    private bool _passThrough;

    /// <summary>Creates the executor for dispatcher <paramref name="id"/>.</summary>
    public DeterministicExecutor(string id) : base(id) { }

    /// <summary>Message deliveries run so far (the logical clock of a deterministic run).</summary>
    public long Steps { get; private set; }

    /// <summary>Choice points so far: deliveries made while two or more mailboxes were runnable.</summary>
    public long Choices { get; private set; }

    /// <summary>
    /// Mailboxes that became runnable from another thread while a drive was running: an actor outside the
    /// dispatcher messaged one inside. Such a run is not reproducible; a correct harness keeps this at 0.
    /// </summary>
    public long ForeignArrivals { get; private set; }

    /// <summary>Mailboxes waiting for a turn.</summary>
    public int Runnable
    {
        get { lock (_runnable) return _runnable.Count; }
    }

    /// <inheritdoc/>
    public override void Execute(IRunnable run)
    {
        lock (_runnable)
        {
            if (!_passThrough)
            {
                if (_driverThread != -1 && _driverThread != Environment.CurrentManagedThreadId) ForeignArrivals++;
                _runnable.Add(run);
                return;
            }
        }
        ThreadPool.UnsafeQueueUserWorkItem(static r => r.Run(), run, preferLocal: false);
    }

    /// <summary>
    /// Delivers messages, one per step, choosing among the runnable mailboxes with <paramref name="strategy"/>,
    /// until none is runnable (quiescence), <paramref name="maxSteps"/> deliveries were made, or
    /// <paramref name="stop"/> says so. Choices go to <paramref name="log"/>. Returns the deliveries made.
    /// </summary>
    public long Drive(ISchedulingStrategy strategy, ScheduleLog? log = null, long maxSteps = long.MaxValue, Func<bool>? stop = null)
    {
        _driverThread = Environment.CurrentManagedThreadId;
        long made = 0;
        try
        {
            while (made < maxSteps && (stop is null || !stop()))
            {
                IRunnable next;
                lock (_runnable)
                {
                    var n = _runnable.Count;
                    if (n == 0) break;
                    var i = 0;
                    if (n > 1)
                    {
                        i = strategy.Choose(_runnable);
                        if ((uint)i >= (uint)n) throw new InvalidOperationException($"strategy chose {i} of {n} runnable mailboxes");
                        log?.Add(i);
                        Choices++;
                    }
                    else
                    {
                        strategy.Forced(_runnable[0]);
                    }
                    next = _runnable[i];
                    _runnable.RemoveAt(i);
                }
                Steps++;
                made++;
                if (strategy.OneDeliveryPerRun && OwnedMessageQueue.QueueOf(next) is { } queue) queue.RunOne(next);
                else next.Run();
            }
        }
        finally
        {
            _driverThread = -1;
        }
        return made;
    }

    /// <summary>
    /// From now on mailboxes run on the thread pool like an ordinary dispatcher's (and the ones waiting are
    /// released to it), so the actor system can shut down without a driver.
    /// </summary>
    public void ReleaseToThreadPool()
    {
        List<IRunnable> waiting;
        lock (_runnable)
        {
            _passThrough = true;
            waiting = [.. _runnable];
            _runnable.Clear();
        }
        foreach (var r in waiting) ThreadPool.UnsafeQueueUserWorkItem(static x => x.Run(), r, preferLocal: false);
    }

    /// <inheritdoc/>
    public override void Shutdown()
    {
        // The dispatcher shuts its executor down when no actor is attached for a while and produces it again
        // on the next attach; this executor lives as long as its DeterministicSystem, so there is nothing to do.
    }
}
