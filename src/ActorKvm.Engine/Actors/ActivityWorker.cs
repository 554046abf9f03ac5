using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// The common body of the actors that run model activities (vCPUs, the MMU notifier, the memslot manager):
/// one <see cref="StepRequested"/> runs exactly one phase, so every phase boundary is a message boundary.
/// Actors stay thin: the rules are in the model; this only moves phases and lock waits between actors.
/// Model state is shared by all actors of a VM, so each phase runs inside the VM's gate (the actor engine's
/// equivalent of one CPU executing one phase); what the kernel does without a lock is still its own phase.
/// </summary>
public abstract class ActivityWorker : ReceiveActor
{
    /// <summary>Creates the worker.</summary>
    protected ActivityWorker(Kvm kvm, IActorRef mmuLock)
    {
        Kvm = kvm;
        MmuLock = mmuLock;
        Receive<StepRequested>(OnStepRequested);
        Receive<LockAvailable>(_ => { }); // the scenario driver retries waiters itself, in wait order
    }

    /// <summary>The VM model.</summary>
    protected Kvm Kvm { get; }
    /// <summary>The <c>mmu_lock</c> actor.</summary>
    protected IActorRef MmuLock { get; }

    private void OnStepRequested(StepRequested req)
    {
        var act = req.Activity;
        StepResult result;
        bool lockQueued;
        lock (Kvm)
        {
            result = act.Step();
            Kvm.Oracle.Check();
            lockQueued = Kvm.MmuLock.Queue.Count > 0;
        }
        if (result.Status == StepStatus.Blocked && result.Wait is { Lock: not LockMode.None } w)
            MmuLock.Tell(new LockRequested(act.Id, w.Lock));
        else if (lockQueued)
            MmuLock.Tell(new LockReleased(act.Id)); // the lock may have moved: let the next waiter know
        Sender.Tell(new StepCompleted(act.Id, result));
    }
}
