using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>One vCPU: runs its guest accesses, one fault phase per message.</summary>
public sealed class VcpuActor : ActivityWorker
{
    /// <summary>Creates vCPU <paramref name="index"/>.</summary>
    public VcpuActor(Kvm kvm, IActorRef mmuLock, int index) : base(kvm, mmuLock) => Index = index;

    /// <summary>The vCPU index.</summary>
    public int Index { get; }

    /// <summary>Props for vCPU <paramref name="index"/>.</summary>
    public static Props Props(Kvm kvm, IActorRef mmuLock, int index) => Akka.Actor.Props.Create(() => new VcpuActor(kvm, mmuLock, index));
}
