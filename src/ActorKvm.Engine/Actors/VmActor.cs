using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// One VM: owns the model (through its <see cref="VmGate"/>) and supervises its actors, created in a fixed
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
    public VmActor(Kvm kvm, TraceRecorder? trace = null, DeliveryRecorder? recorder = null)
    {
        var gate = new VmGate(kvm, trace, recorder);
        RecordTurns(recorder, RecordedActors.Vm);
        // Children run on the VM's dispatcher: all free-running, or all under the deterministic driver.
        var dispatcher = Context.Props.Dispatcher;
        IActorRef Child(Props p, string name) => Context.ActorOf(p.WithDispatcher(dispatcher), name);
        var mmuLock = Child(MmuLockActor.Props(gate), VmChildren.MmuLock);
        var notifier = Child(MmuNotifierActor.Props(gate, mmuLock, Self), VmChildren.MmuNotifier);
        var memslots = Child(MemslotManagerActor.Props(gate, mmuLock, Self), VmChildren.Memslots);
        var vcpus = Enumerable.Range(0, kvm.Vcpus.Length).Select(i => Child(VcpuActor.Props(gate, mmuLock, Self, i), VmChildren.Vcpu(i))).ToArray();

        IActorRef Worker(Activity a) => Owner.Of(a) switch
        {
            { Kind: OwnerKind.Vcpu, Vcpu: var v } => vcpus[v],
            { Kind: OwnerKind.Memslots } => memslots,
            _ => notifier,
        };

        Receive<StepRequested>(r => Worker(r.Activity).Forward(r));
        Receive<RunRequested>(r => Worker(r.Activity).Forward(r));
        Receive<ResumeRequested>(r => Worker(r.Activity).Forward(r));
        Receive<ProgressAwaited>(p =>
        {
            if (gate.Epoch > p.SeenEpoch) Sender.Tell(ProgressMade.Instance);
            else if (_isWaiting.Add(Sender)) _waiting.Add(Sender);
        });
        Receive<VmReattached>(r =>
        {
            if (r.Kvm.Vcpus.Length != vcpus.Length)
                throw new InvalidOperationException($"a VM actor with {vcpus.Length} vCPUs cannot run a model with {r.Kvm.Vcpus.Length}");
            gate.Attach(r.Kvm, r.Trace);
            _waiting.Clear();
            _isWaiting.Clear();
            foreach (var child in new[] { mmuLock, notifier, memslots }.Concat(vcpus)) child.Tell(ActivitiesAbandoned.Instance);
        });
        Receive<ProgressMade>(_ =>
        {
            foreach (var w in _waiting) w.Tell(ProgressMade.Instance);
            _waiting.Clear();
            _isWaiting.Clear();
        });
    }

    /// <summary>Props.</summary>
    public static Props Props(Kvm kvm, TraceRecorder? trace = null, DeliveryRecorder? recorder = null) =>
        Akka.Actor.Props.Create(() => new VmActor(kvm, trace, recorder));
}
