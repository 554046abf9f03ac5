using ActorKvm.Engine.Scheduling;

namespace ActorKvm.Engine.Exploration.Interleavings;

/// <summary>
/// What one delivery touched, as observed while it ran: its actor, its access to the shared model and the mailboxes
/// it sent to. Two deliveries whose footprints are <see cref="Independent"/> commute: either order reaches the same state.
/// </summary>
/// <param name="Actor">The receiving actor (its stable key, e.g. <c>vm/vcpu-0</c>).</param>
/// <param name="Model">How it touched the model.</param>
/// <param name="Sends">The actors it sent messages to (including itself).</param>
public sealed record Footprint(string Actor, ModelAccess Model, IReadOnlySet<string> Sends)
{
    /// <summary>
    /// The conservative independence relation of the exploration: different actors, no model write against any model
    /// access of the other (every model phase conflicts with every other, whatever page it touches), and no actor that
    /// both send to (the order of its mailbox would differ). Anything else is treated as dependent.
    /// </summary>
    public static bool Independent(Footprint a, Footprint b) =>
        a.Actor != b.Actor
        && !(a.Model == ModelAccess.Write && b.Model != ModelAccess.None)
        && !(b.Model == ModelAccess.Write && a.Model != ModelAccess.None)
        && !a.Sends.Overlaps(b.Sends);
}
