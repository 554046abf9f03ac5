using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Baselines;

/// <summary>
/// The lock-based baseline: what a C# engineer would write by hand over the same model and the same workload
/// (<see cref="WorkloadDriver"/>, same seed). One thread per vCPU runs its work back to back; the host MM (the MMU
/// notifier's callers) and the memslot manager (memslot changes, dirty log) are a thread each; who runs what is
/// <see cref="Owner"/>'s.
/// <c>mmu_lock</c> is a <see cref="ReaderWriterLockSlim"/>, every phase runs under one monitor with the oracle
/// after it, and the other waits are <see cref="Monitor.Wait(object)"/> on progress (see <see cref="BaselineGate"/>).
/// </summary>
public sealed class LockBasedEngine : BaselineEngine
{
    private readonly Activity?[] _next; // each vCPU's next work (an access, a pre-fault ioctl, a nested entry)
    private readonly bool[] _idle; // guarded by DriverLock: the vCPU thread waits for its next access
    private bool _finished;
    private readonly WorkQueue _notifier = new();
    private readonly WorkQueue _memslots = new();

    private LockBasedEngine(WorkloadOptions options, Kvm kvm, FaultLatencyRecorder? latency) : base(options, kvm, latency)
    {
        _next = new Activity?[options.Vcpus];
        _idle = new bool[options.Vcpus];
    }

    /// <summary>
    /// Runs the workload until its fault budget is spent or <paramref name="duration"/> elapses (then what is in
    /// flight finishes). Faulting accesses are timed into <paramref name="latency"/> if given (else into a fresh recorder, returned with the result).
    /// </summary>
    public static StressResult Run(WorkloadOptions options, TimeSpan duration, BugSet? bugs = null, FaultLatencyRecorder? latency = null)
    {
        var kvm = WorkloadVm.Build(options, bugs);
        var engine = new LockBasedEngine(options, kvm, latency);
        return engine.Run(duration);
    }

    private StressResult Run(TimeSpan duration)
    {
        var threads = new List<Thread>();
        for (var v = 0; v < _next.Length; v++)
        {
            var vcpu = v;
            threads.Add(new Thread(() => Guard(() => VcpuLoop(vcpu))) { IsBackground = true, Name = $"vcpu-{vcpu}" });
        }
        threads.Add(new Thread(() => Guard(() => ServiceLoop(_notifier))) { IsBackground = true, Name = "mmu-notifier" });
        threads.Add(new Thread(() => Guard(() => ServiceLoop(_memslots))) { IsBackground = true, Name = "memslots" });
        return Run(duration, () => threads.ForEach(t => t.Start()), () => threads.ForEach(t => t.Join()));
    }

    /// <summary>The driver's issue callback (called under the driver lock): work for its <see cref="Owner"/>'s thread.</summary>
    protected override void Issue(Activity activity)
    {
        var owner = Owner.Of(activity);
        switch (owner.Kind)
        {
            case OwnerKind.Vcpu:
                _next[owner.Vcpu] = activity;
                if (_idle[owner.Vcpu]) Monitor.PulseAll(DriverLock);
                break;
            case OwnerKind.MmuNotifier:
                _notifier.Add(activity);
                break;
            default:
                _memslots.Add(activity);
                break;
        }
    }

    private void VcpuLoop(int vcpu)
    {
        while (true)
        {
            Activity? access;
            lock (DriverLock)
            {
                // The next access comes from this vCPU's own completion, or later from a host operation's when the
                // workload held it back (QueueHostOps: the guest may not run ahead of owed host work).
                _idle[vcpu] = true;
                while ((access = _next[vcpu]) is null && !_finished) Monitor.Wait(DriverLock);
                _idle[vcpu] = false;
                _next[vcpu] = null;
            }
            if (access is null) return;
            Gate.RunToDone(access);
            Finished(access);
        }
    }

    private void ServiceLoop(WorkQueue queue)
    {
        while (queue.Take() is { } activity)
        {
            Gate.RunToDone(activity);
            Finished(activity);
        }
    }

    /// <inheritdoc/>
    protected override void CompleteWorkers(Exception? error)
    {
        lock (DriverLock)
        {
            _finished = true;
            Monitor.PulseAll(DriverLock);
        }
        _notifier.Complete();
        _memslots.Complete();
    }

    private void Guard(Action body)
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <summary>A service thread's inbox: a monitor-guarded queue.</summary>
    private sealed class WorkQueue
    {
        private readonly Queue<Activity> _items = new();
        private bool _completed;

        public void Add(Activity activity)
        {
            lock (_items)
            {
                _items.Enqueue(activity);
                Monitor.Pulse(_items);
            }
        }

        public void Complete()
        {
            lock (_items)
            {
                _completed = true;
                Monitor.PulseAll(_items);
            }
        }

        /// <summary>The next item, or null once completed and empty.</summary>
        public Activity? Take()
        {
            lock (_items)
            {
                while (_items.Count == 0 && !_completed) Monitor.Wait(_items);
                return _items.Count > 0 ? _items.Dequeue() : null;
            }
        }
    }
}
