using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Replays a recorded choice sequence. A recorded choice that no longer fits the runnable set, or a run that
/// outlives the recording, means the run diverged from the one recorded (different inputs or engine):
/// <see cref="Diverged"/> says so, and the choice falls back to the oldest runnable mailbox.
/// </summary>
public sealed class ReplayStrategy : ISchedulingStrategy
{
    private readonly IReadOnlyList<int> _choices;
    private int _next;

    /// <summary>Creates a replay of <paramref name="choices"/>.</summary>
    public ReplayStrategy(IReadOnlyList<int> choices) => _choices = choices;

    /// <summary>True once a choice could not be replayed as recorded.</summary>
    public bool Diverged { get; private set; }

    /// <summary>Choices consumed so far.</summary>
    public int Consumed => _next;

    /// <inheritdoc/>
    public int Choose(IReadOnlyList<IRunnable> runnable)
    {
        if (_next >= _choices.Count)
        {
            Diverged = true;
            return 0;
        }
        var c = _choices[_next++];
        if (c < runnable.Count) return c;
        Diverged = true;
        return 0;
    }
}
