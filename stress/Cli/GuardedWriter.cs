using System.Text;

namespace ActorKvm.Stress.Cli;

/// <summary>
/// A standard stream that may be closed (<c>&gt;&amp;-</c>) or full (<c>&gt; /dev/full</c>): the first failed write is
/// remembered and later writes are dropped, so the command still finishes its work and its other outputs; the program
/// then reports the failure as one line on the other stream and exits 2 (<see cref="Program.Main"/>).
/// </summary>
internal sealed class GuardedWriter(Func<TextWriter> open) : TextWriter
{
    private TextWriter? _inner;

    /// <summary>The stream written to, or null when it could not even be opened.</summary>
    public TextWriter? Inner => Failure is null ? _inner ??= Guard(open) : _inner;

    /// <summary>Why writing failed, or null.</summary>
    public string? Failure { get; private set; }

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Do(w => w.Write(value));

    public override void Write(string? value) => Do(w => w.Write(value));

    public override void Write(char[] buffer, int index, int count) => Do(w => w.Write(buffer, index, count));

    public override void WriteLine(string? value) => Do(w => w.WriteLine(value));

    public override void WriteLine() => Do(w => w.WriteLine());

    public override void Flush() => Do(w => w.Flush());

    private void Do(Action<TextWriter> write)
    {
        if (Inner is not { } w) return;
        Guard(() =>
        {
            write(w);
            return w;
        });
    }

    private T? Guard<T>(Func<T> f) where T : class
    {
        if (Failure is not null) return null;
        try
        {
            return f();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
        {
            Failure = e.Message.ReplaceLineEndings(" ");
            return null;
        }
    }
}
