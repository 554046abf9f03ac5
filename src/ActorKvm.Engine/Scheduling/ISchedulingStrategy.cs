using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Picks the next actor turn on the deterministic dispatcher: given how many mailboxes are runnable (oldest
/// first), returns the index of the one to run. Every choice is a point where the kernel's real threads could
/// have interleaved differently.
/// </summary>
public interface ISchedulingStrategy
{
    /// <summary>
    /// Returns an index into <paramref name="runnable"/> (the runnable mailboxes, oldest first; only called with two
    /// or more). A mailbox object stands for its actor for the whole run, so a strategy may give actors priorities.
    /// </summary>
    int Choose(IReadOnlyList<IRunnable> runnable);
}
