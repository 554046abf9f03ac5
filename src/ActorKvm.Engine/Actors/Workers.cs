using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// A VM actor's workers by <see cref="Owner"/>: the VM actor routes by it, and an unrecorded free-running run shares it
/// with the workload so work goes straight to its owner (one message, not two). Filled once, when the VM actor has
/// created its children; until then <see cref="Of"/> is null and work goes through the VM actor.
/// </summary>
/// <remarks>
/// With a <paramref name="runOnSeed"/> (the VM runs free, recorded or not, or replays a recording that did) the workers
/// run on: a worker runs an activity's first phase in the request's turn on a coin, and after a phase that progressed
/// runs its next one in the same turn at odds of 1 in <see cref="RunOnOdds"/>, else it yields (its own seeded choices,
/// <see cref="RunOn"/>, so a replay makes the same ones): any phase boundary may interleave with the other actors, and
/// now and then one activity runs several phases ahead. A finished activity then tells the VM actor only when some
/// activity waits for progress. Without one (the seeded strategies) one phase per delivery, as their traces pin.
/// </remarks>
public sealed class Workers(ulong? runOnSeed = null)
{
    /// <summary>A worker that runs on does so into an activity's next phase once in this many progressing phases.</summary>
    public const int RunOnOdds = 4;

    /// <summary>The run-on choices of worker <paramref name="index"/> (vCPUs, then the host MM, then the VM-ioctl thread), or null: no run-on.</summary>
    internal SplitMix64? RunOn(int index) => runOnSeed is { } seed ? new(seed ^ (0x9E3779B97F4A7C15UL * (ulong)(index + 1))) : null;

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
