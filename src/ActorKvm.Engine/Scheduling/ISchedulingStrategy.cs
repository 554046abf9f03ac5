namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Picks the next actor turn on the deterministic dispatcher: given how many mailboxes are runnable (oldest
/// first), returns the index of the one to run. Every choice is a point where the kernel's real threads could
/// have interleaved differently.
/// </summary>
public interface ISchedulingStrategy
{
    /// <summary>Returns an index in [0, <paramref name="runnable"/>); only called with <paramref name="runnable"/> ≥ 2.</summary>
    int Choose(int runnable);
}
