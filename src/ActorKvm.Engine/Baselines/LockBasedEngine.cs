using System.Collections.Concurrent;
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
    // Each worker's inbox, by Owner: vCPU i at i, then the host MM, then the memslot thread. A vCPU's next work comes
    // from its own completion, or later from a host operation's when the workload held it back (QueueHostOps).
    private readonly BlockingCollection<Activity>[] _inboxes;

    private LockBasedEngine(WorkloadOptions options, Kvm kvm, FaultLatencyRecorder? latency) : base(options, kvm, latency) =>
        _inboxes = [.. Enumerable.Range(0, options.Vcpus + 2).Select(_ => new BlockingCollection<Activity>())];

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
        var vcpus = _inboxes.Length - 2;
        var names = Enumerable.Range(0, vcpus).Select(v => Owner.OfVcpu(v).Name).Append(Owner.HostMm.Name).Append(Owner.VmIoctl.Name);
        var threads = names.Select((name, i) => new Thread(() => Work(_inboxes[i])) { IsBackground = true, Name = name }).ToList();
        return Run(duration, () => threads.ForEach(t => t.Start()), () => threads.ForEach(t => t.Join()));
    }

    /// <summary>The driver's issue callback (called under the driver lock): work for its <see cref="Owner"/>'s thread.</summary>
    protected override void Issue(Activity activity)
    {
        var owner = Owner.Of(activity);
        _inboxes[owner.Kind switch
        {
            OwnerKind.Vcpu => owner.Vcpu,
            OwnerKind.MmuNotifier => _inboxes.Length - 2,
            _ => _inboxes.Length - 1,
        }].Add(activity);
    }

    /// <summary>A worker thread: runs its work back to back until its inbox is completed and empty.</summary>
    private void Work(BlockingCollection<Activity> inbox)
    {
        try
        {
            foreach (var activity in inbox.GetConsumingEnumerable())
            {
                Gate.RunToDone(activity);
                Finished(activity);
            }
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    /// <inheritdoc/>
    protected override void CompleteWorkers(Exception? error)
    {
        foreach (var inbox in _inboxes) inbox.CompleteAdding();
    }
}
