using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// One VM: owns the model and supervises its actors, created in a fixed order with fixed names (so paths and
/// traces are reproducible): <c>mmu-lock</c>, <c>mmu-notifier</c>, <c>memslots</c>, <c>vcpu-0</c>..
/// Routes each step request to the actor that runs that activity.
/// </summary>
public sealed class VmActor : ReceiveActor
{
    /// <summary>Creates the VM and its children.</summary>
    public VmActor(Kvm kvm)
    {
        var mmuLock = Context.ActorOf(MmuLockActor.Props(kvm), "mmu-lock");
        var notifier = Context.ActorOf(MmuNotifierActor.Props(kvm, mmuLock), "mmu-notifier");
        var memslots = Context.ActorOf(MemslotManagerActor.Props(kvm, mmuLock), "memslots");
        var vcpus = Enumerable.Range(0, kvm.Vcpus.Length).Select(i => Context.ActorOf(VcpuActor.Props(kvm, mmuLock, i), $"vcpu-{i}")).ToArray();

        Receive<StepRequested>(r =>
        {
            var owner = r.Activity switch
            {
                GuestAccess g => vcpus[g.Vcpu.Index],
                MemslotUpdate or DirtyLogIoctl => memslots,
                _ => notifier,
            };
            owner.Forward(r);
        });
    }

    /// <summary>Props.</summary>
    public static Props Props(Kvm kvm) => Akka.Actor.Props.Create(() => new VmActor(kvm));
}
