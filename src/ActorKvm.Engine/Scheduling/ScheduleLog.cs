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

    /// <summary>The choices as text: comma-separated indices (the schedule file format).</summary>
    public override string ToString() => string.Join(',', ToArray());

    /// <summary>
    /// A hunt's schedule file: a <c>#</c> line naming the seed and bug switches it was found with (a replay with others
    /// would silently replay another run), then the choices.
    /// </summary>
    public static string Format(int[] choices, IReadOnlyList<string> bugs, ulong seed) =>
        $"# actorkvm hunt schedule: seed {seed}, bugs {(bugs.Count == 0 ? "none" : string.Join(',', bugs))}\n{string.Join(',', choices)}\n";

    /// <summary>The seed and bug switches a <see cref="Format"/> header names, or null (a file without one).</summary>
    public static (ulong Seed, string[] Bugs)? Header(string text)
    {
        var m = System.Text.RegularExpressions.Regex.Match(text, @"^# actorkvm hunt schedule: seed (\d+), bugs (\S+)");
        if (!m.Success || !ulong.TryParse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture, out var seed)) return null;
        var bugs = m.Groups[2].Value == "none" ? [] : m.Groups[2].Value.Split(',');
        return (seed, bugs);
    }

    /// <summary>Parses <see cref="ToString"/>'s format (after <c>#</c> lines); returns false on anything else.</summary>
    public static bool TryParse(string text, out int[] choices)
    {
        var body = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith('#')));
        var parts = body.Split([',', '\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries);
        choices = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out choices[i])) return false;
        return true;
    }
}
