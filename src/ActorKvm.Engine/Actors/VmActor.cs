using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// One VM: owns the model (through its <see cref="VmGate"/>) and supervises its actors, created in a fixed
/// order with fixed names so paths and traces are reproducible: <c>mmu-lock</c>, <c>mmu-notifier</c>,
/// <c>memslots</c>, <c>vcpu-0</c>... Routes work to the actor that runs it, and wakes waiters when progress is made.
/// </summary>
public sealed class VmActor : ReceiveActor
{
    private readonly HashSet<IActorRef> _waiting = [];

    /// <summary>Creates the VM and its children.</summary>
    public VmActor(Kvm kvm)
    {
        var gate = new VmGate(kvm);
        var mmuLock = Context.ActorOf(MmuLockActor.Props(kvm), "mmu-lock");
        var notifier = Context.ActorOf(MmuNotifierActor.Props(gate, mmuLock, Self), "mmu-notifier");
        var memslots = Context.ActorOf(MemslotManagerActor.Props(gate, mmuLock, Self), "memslots");
        var vcpus = Enumerable.Range(0, kvm.Vcpus.Length).Select(i => Context.ActorOf(VcpuActor.Props(gate, mmuLock, Self, i), $"vcpu-{i}")).ToArray();

        IActorRef Owner(Activity a) => a switch
        {
            GuestAccess g => vcpus[g.Vcpu.Index],
            MemslotUpdate or DirtyLogIoctl => memslots,
            _ => notifier,
        };

        Receive<StepRequested>(r => Owner(r.Activity).Forward(r));
        Receive<RunRequested>(r => Owner(r.Activity).Forward(r));
        Receive<ProgressAwaited>(p =>
        {
            if (gate.Epoch > p.SeenEpoch) Sender.Tell(new ProgressMade());
            else _waiting.Add(Sender);
        });
        Receive<ProgressMade>(_ =>
        {
            foreach (var w in _waiting) w.Tell(new ProgressMade());
            _waiting.Clear();
        });
    }

    /// <summary>Props.</summary>
    public static Props Props(Kvm kvm) => Akka.Actor.Props.Create(() => new VmActor(kvm));
}
