using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// One VM: owns the model (through its <see cref="ActivityScheduler"/>) and supervises its actors, created in a fixed
/// order with fixed names so paths and traces are reproducible: <c>mmu-lock</c>, <c>mmu-notifier</c>,
/// <c>memslots</c>, <c>vcpu-0</c>... Routes work to the actor that runs it, and wakes waiters when progress is made.
/// </summary>
public sealed class VmActor : RecordedActor
{
    // Waiters in the order they asked (a hash set would wake them in actor-uid order, which is random per run).
    private readonly List<IActorRef> _waiting = [];
    private readonly HashSet<IActorRef> _isWaiting = [];

    /// <summary>
    /// Creates the VM and its children; phases are traced to <paramref name="trace"/> and every actor's turns
    /// recorded into <paramref name="recorder"/>, if given.
    /// </summary>
    public VmActor(Kvm kvm, TraceRecorder? trace = null, DeliveryRecorder? recorder = null) : this(new ActivityScheduler(kvm, trace), recorder) { }

    /// <summary>Creates the VM and its children over <paramref name="scheduler"/> (shared with a scripted runner that drives them).</summary>
    public VmActor(ActivityScheduler scheduler, DeliveryRecorder? recorder = null)
    {
        RecordTurns(recorder, RecordedActors.Vm);
        // Children run on the VM's dispatcher: all free-running, or all under the deterministic driver.
        var dispatcher = Context.Props.Dispatcher;
        IActorRef Child(Props p, string name) => Context.ActorOf(p.WithDispatcher(dispatcher), name);
        var mmuLock = Child(MmuLockActor.Props(scheduler, recorder), VmChildren.MmuLock);
        IActorRef Worker(Owner owner) => Child(ActivityWorker.Props(scheduler, recorder, mmuLock, Self), owner.Name);
        var notifier = Worker(Owner.HostMm);
        var memslots = Worker(Owner.VmIoctl);
        var vcpus = Enumerable.Range(0, scheduler.Kvm.Vcpus.Length).Select(i => Worker(Owner.OfVcpu(i))).ToArray();

        IActorRef OwnerOf(Activity a) => Owner.Of(a) switch
        {
            { Kind: OwnerKind.Vcpu, Vcpu: var v } => vcpus[v],
            { Kind: OwnerKind.Memslots } => memslots,
            _ => notifier,
        };

        Receive<StepRequested>(r => OwnerOf(r.Activity).Forward(r));
        Receive<RunRequested>(r => OwnerOf(r.Activity).Forward(r));
        Receive<ResumeRequested>(r => OwnerOf(r.Activity).Forward(r));
        Receive<ProgressAwaited>(p =>
        {
            if (Epoch() > p.SeenEpoch) Sender.Tell(ProgressMade.Instance);
            else if (_isWaiting.Add(Sender)) _waiting.Add(Sender);
        });
        Receive<VmReattached>(r =>
        {
            if (r.Kvm.Vcpus.Length != vcpus.Length)
                throw new InvalidOperationException($"a VM actor with {vcpus.Length} vCPUs cannot run a model with {r.Kvm.Vcpus.Length}");
            lock (scheduler.Kvm) scheduler.Attach(r.Kvm, r.Trace);
            _waiting.Clear();
            _isWaiting.Clear();
            foreach (var child in new[] { mmuLock, notifier, memslots }.Concat(vcpus)) child.Tell(ActivitiesAbandoned.Instance);
        });
        long Epoch()
        {
            DeliveryObservers.Current?.Touched(ModelAccess.Read);
            lock (scheduler.Kvm) return scheduler.Epoch;
        }
        Receive<ProgressMade>(_ =>
        {
            foreach (var w in _waiting) w.Tell(ProgressMade.Instance);
            _waiting.Clear();
            _isWaiting.Clear();
        });
    }

    /// <summary>Props over <paramref name="scheduler"/>.</summary>
    public static Props Props(ActivityScheduler scheduler) => Akka.Actor.Props.Create(() => new VmActor(scheduler, null));

    /// <summary>Props.</summary>
    public static Props Props(Kvm kvm, TraceRecorder? trace = null, DeliveryRecorder? recorder = null) =>
        Akka.Actor.Props.Create(() => new VmActor(kvm, trace, recorder));
}
