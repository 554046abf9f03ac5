namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Text quoted from the user's input (a key, a value, a token of a damaged file) inside an error line: control
/// characters are escaped so the error stays one line and cannot send escape sequences to the terminal.
/// </summary>
public static class Printable
{
    /// <summary><paramref name="s"/> with each control character written as <c>\uXXXX</c>.</summary>
    public static string Escape(string s) =>
        s.Any(char.IsControl) ? string.Concat(s.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) : s;
}
