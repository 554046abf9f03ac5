namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// The choices a deterministic run made, in order: only the points where two or more mailboxes were runnable
/// (a forced move is not a choice). Replaying them with <see cref="ReplayStrategy"/> gives the same run.
/// </summary>
public sealed class ScheduleLog
{
    private int[] _choices = new int[256];

    /// <summary>Number of choices recorded.</summary>
    public int Count { get; private set; }

    /// <summary>Records one choice.</summary>
    public void Add(int choice)
    {
        if (Count == _choices.Length) Array.Resize(ref _choices, _choices.Length * 2);
        _choices[Count++] = choice;
    }

    /// <summary>Forgets every choice (the buffer is kept for the next run).</summary>
    public void Clear() => Count = 0;

    /// <summary>A copy of the choices.</summary>
    public int[] ToArray() => _choices.AsSpan(0, Count).ToArray();

    /// <summary>The choices as text: comma-separated indices.</summary>
    public override string ToString() => string.Join(',', ToArray());
}
