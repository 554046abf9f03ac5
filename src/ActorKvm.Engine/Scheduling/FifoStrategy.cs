using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>Always the oldest runnable mailbox: the schedule with no preemption (used to wind a system down).</summary>
public sealed class FifoStrategy : ISchedulingStrategy
{
    /// <summary>The one instance.</summary>
    public static FifoStrategy Instance { get; } = new();

    /// <inheritdoc/>
    public int Choose(IReadOnlyList<IRunnable> runnable) => 0;
}
