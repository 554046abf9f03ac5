using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// A VM actor's workers by <see cref="Owner"/>: the VM actor routes by it, and a free-running run shares it with the
/// workload so work goes straight to its owner (one message, not two). Filled once, when the VM actor has created its
/// children; until then <see cref="Of"/> is null and work goes through the VM actor.
/// </summary>
public sealed class Workers(bool freeRunning)
{
    /// <summary>
    /// The VM runs free (real threads, nothing recorded): a worker runs an activity's consecutive phases that need no
    /// other actor (each progressed) in one turn, up to <see cref="PhasesPerTurn"/>, and a finished activity tells the VM
    /// actor only when some activity waits for progress. Other workers' phases still interleave on the other threads (the
    /// model's monitor is left after every phase); only the dispatcher's turn boundary between them is given up. Off on
    /// the deterministic dispatcher (its traces pin one phase per delivery) and in recorded runs (a replay needs the turns).
    /// </summary>
    public bool FreeRunning { get; } = freeRunning;

    /// <summary>The most phases a free-running worker runs in one turn before it yields its thread.</summary>
    public const int PhasesPerTurn = 64;

    private volatile IActorRef[]? _refs; // vCPU 0..n-1, then the host MM, then the VM-ioctl thread

    /// <summary>Called by the VM actor once its workers exist.</summary>
    internal void Publish(IActorRef[] refs) => _refs = refs;

    /// <summary>The worker that runs <paramref name="activity"/>, or null before the VM actor published them.</summary>
    public IActorRef? Of(Activity activity)
    {
        if (_refs is not { } refs) return null;
        var owner = Owner.Of(activity);
        return owner.Kind switch
        {
            OwnerKind.Vcpu => refs[owner.Vcpu],
            OwnerKind.MmuNotifier => refs[^2],
            _ => refs[^1],
        };
    }
}
