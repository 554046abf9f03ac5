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

    /// <summary>
    /// <paramref name="run"/> is the only runnable mailbox and runs next (no choice, nothing logged). A strategy that
    /// follows a recorded order of every delivery (<see cref="RecordedOrderStrategy"/>) checks and counts it here.
    /// </summary>
    void Forced(IRunnable run) { }

    /// <summary>
    /// Every mailbox run delivers exactly one message, so every delivery is a choice point (Akka 1.5's mailbox may
    /// deliver two per run even at throughput 1, which would hide the interleavings between a mailbox's two messages).
    /// </summary>
    bool OneDeliveryPerRun => true;
}
