using System.Threading.Channels;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Baselines;

/// <summary>
/// The <see cref="System.Threading.Channels"/> baseline: a fault's phases as pipeline stages over the same model
/// and workload (<see cref="WorkloadDriver"/>, same seed). <c>pre-lock</c> workers (one per core) run an access
/// from its stage-2 walk up to <c>kvm_fault_lock</c> (classify, memslot lookup, VMA snapshot, pin, prot);
/// the <c>locked</c> stage enters <c>mmu_lock</c>'s read side and runs <c>mmu-lock</c> to <c>complete</c>; an
/// access that faults again (a retry, or a permission fault after a map) goes back to <c>pre-lock</c>, a finished
/// one to <c>completion</c>, which feeds the workload and routes what it issues. Host operations and memslot
/// changes have a stage each; which stage runs an activity is its <see cref="Owner"/>. An access that must wait (an invalidation in progress, SRCU) is parked and
/// re-posted to its stage when progress is made. Locking and waits are <see cref="BaselineGate"/>'s.
/// </summary>
public sealed class ChannelsEngine : BaselineEngine
{
    private readonly Channel<Activity> _preLock = Channel.CreateUnbounded<Activity>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Channel<GuestAccess> _locked = Channel.CreateUnbounded<GuestAccess>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Activity> _completion = Channel.CreateUnbounded<Activity>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Activity> _notifier = Channel.CreateUnbounded<Activity>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<Activity> _memslots = Channel.CreateUnbounded<Activity>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<Activity> _reissue; // a parked activity goes back to its Owner's stage, as when issued

    private ChannelsEngine(WorkloadOptions options, Kvm kvm, FaultLatencyRecorder? latency) : base(options, kvm, latency) => _reissue = Issue;

    /// <summary>
    /// Runs the workload until its fault budget is spent or <paramref name="duration"/> elapses (then what is in
    /// flight finishes), with <paramref name="preLockWorkers"/> pre-lock workers (default: one per core). Faulting
    /// accesses are timed into <paramref name="latency"/> if given (else into a fresh recorder, returned with the result).
    /// </summary>
    public static StressResult Run(WorkloadOptions options, TimeSpan duration, BugSet? bugs = null, FaultLatencyRecorder? latency = null, int preLockWorkers = 0)
    {
        var kvm = WorkloadVm.Build(options, bugs);
        var engine = new ChannelsEngine(options, kvm, latency);
        return engine.Run(duration, preLockWorkers > 0 ? preLockWorkers : Environment.ProcessorCount);
    }

    private StressResult Run(TimeSpan duration, int preLockWorkers)
    {
        var workers = new List<Task>();
        return Run(duration, () =>
        {
            for (var i = 0; i < preLockWorkers; i++) workers.Add(Stage(_preLock.Reader, PreLock));
            workers.Add(Stage(_locked.Reader, Locked));
            workers.Add(Stage(_completion.Reader, Finished));
            workers.Add(Stage(_notifier.Reader, Service));
            workers.Add(Stage(_memslots.Reader, Service));
        }, () => Task.WaitAll(workers));
    }

    /// <summary>
    /// The driver's issue callback (called under the driver lock): by its <see cref="Owner"/>, a vCPU's work to the
    /// pre-lock stage, the host MM's to the notifier stage, VM ioctls to the memslot stage.
    /// </summary>
    protected override void Issue(Activity activity) => (Owner.Of(activity).Kind switch
    {
        OwnerKind.Vcpu => _preLock,
        OwnerKind.MmuNotifier => _notifier,
        _ => _memslots,
    }).Writer.TryWrite(activity);

    /// <summary>One worker of a stage: takes items as they come until the stage is completed.</summary>
    private Task Stage<T>(ChannelReader<T> reader, Action<T> process) => Task.Run(async () =>
    {
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
                while (reader.TryRead(out var item)) process(item);
        }
        catch (Exception e)
        {
            Fail(e);
        }
    });

    /// <summary>
    /// From the stage-2 walk to the point where the fault needs <c>mmu_lock</c>; a vCPU's other work (a pre-fault
    /// ioctl, a nested entry) runs here whole, parked while it waits.
    /// </summary>
    private void PreLock(Activity activity) => Advance(activity);

    /// <summary>
    /// <c>kvm_fault_lock</c> to <c>complete</c> under the read side (<see cref="BaselineGate.RunLocked"/>); then back
    /// to the start or on to completion.
    /// </summary>
    private void Locked(GuestAccess access)
    {
        Gate.RunLocked(access);
        if (access.IsDone) _completion.Writer.TryWrite(access);
        else _preLock.Writer.TryWrite(access);
    }

    /// <summary>Host operations and memslot changes: run on the stage's worker, parked while they wait.</summary>
    private void Service(Activity activity)
    {
        if (activity is not (HostOperation or AgeOperation))
        {
            Advance(activity);
            return;
        }
        // The notifier's phases never wait for progress: run it through, the write side around its locked phases.
        Gate.RunToDone(activity);
        _completion.Writer.TryWrite(activity);
    }

    /// <summary>
    /// Runs <paramref name="activity"/> until it finishes (on to completion), must wait (parked, then re-issued to its
    /// stage) or, a guest access, needs <c>mmu_lock</c> (on to the locked stage). A copy-on-write break takes
    /// <c>mmu_lock</c> for write inside the pin phase: entered when the model asks.
    /// </summary>
    private void Advance(Activity activity)
    {
        var held = LockMode.None;
        while (true)
        {
            var want = BaselineGate.Wanted(activity, null);
            if (activity is GuestAccess access && want == LockMode.Read)
            {
                _locked.Writer.TryWrite(access);
                return;
            }
            var o = Gate.Advance(activity, want, ref held);
            if (o.Result.Status == StepStatus.Progressed) continue;
            if (o.Result.Status == StepStatus.Done) _completion.Writer.TryWrite(activity);
            else Gate.Scheduler.Park(activity, o.Epoch, _reissue);
            return;
        }
    }

    /// <inheritdoc/>
    protected override void CompleteWorkers(Exception? error)
    {
        _preLock.Writer.TryComplete(error);
        _locked.Writer.TryComplete(error);
        _completion.Writer.TryComplete(error);
        _notifier.Writer.TryComplete(error);
        _memslots.Writer.TryComplete(error);
    }
}
