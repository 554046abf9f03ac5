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
    /// Creates the VM and its children over <paramref name="scheduler"/> (shared with a scripted runner that drives them);
    /// every actor's turns are recorded into <paramref name="recorder"/>, if given; <paramref name="workers"/> (a
    /// free-running run's) is where it publishes its workers.
    /// </summary>
    public VmActor(ActivityScheduler scheduler, DeliveryRecorder? recorder = null, Workers? workers = null)
    {
        workers ??= new Workers();
        RecordTurns(recorder, RecordedActors.Vm);
        // Children run on the VM's dispatcher: all free-running, or all under the deterministic driver.
        var dispatcher = Context.Props.Dispatcher;
        IActorRef Child(Props p, string name) => Context.ActorOf(p.WithDispatcher(dispatcher), name);
        var mmuLock = Child(MmuLockActor.Props(scheduler, recorder), VmChildren.MmuLock);
        var n = scheduler.Kvm.Vcpus.Length;
        IActorRef Worker(Owner owner, int index) => Child(ActivityWorker.Props(scheduler, recorder, mmuLock, Self, workers.RunOn(index)), owner.Name);
        var notifier = Worker(Owner.HostMm, n);
        var memslots = Worker(Owner.VmIoctl, n + 1);
        var vcpus = Enumerable.Range(0, n).Select(i => Worker(Owner.OfVcpu(i), i)).ToArray();

        workers.Publish([.. vcpus, notifier, memslots]);
        IActorRef OwnerOf(Activity a) => workers.Of(a)!;

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

    /// <summary>Props over <paramref name="scheduler"/> (the arguments are plain captures: Akka compiles any other argument expression, per actor).</summary>
    public static Props Props(ActivityScheduler scheduler, DeliveryRecorder? recorder = null, Workers? workers = null) => Akka.Actor.Props.Create(() => new VmActor(scheduler, recorder, workers));

    /// <summary>Props of a VM over <paramref name="kvm"/>, its phases traced to <paramref name="trace"/> if given.</summary>
    public static Props Props(Kvm kvm, TraceRecorder? trace = null, DeliveryRecorder? recorder = null, Workers? workers = null) =>
        Props(new ActivityScheduler(kvm, trace), recorder, workers);
}
