using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Cli;
using Spectre.Console;

namespace ActorKvm.Stress.Output;

/// <summary>
/// Live progress of <c>run</c>: a Spectre.Console live panel on a terminal, one plain line a second when the
/// output is redirected, nothing with <c>--quiet</c>. Progress callbacks arrive on the thread that runs the
/// workload, so the display is driven from inside <see cref="Show"/>.
/// </summary>
internal sealed class RunProgressDisplay
{
    private static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(1);
    private readonly TextWriter _to;
    private readonly bool _quiet;
    private readonly TimeSpan? _duration;
    private TimeSpan _nextPlain = PlainEvery;

    public RunProgressDisplay(TextWriter to, bool quiet, TimeSpan? duration)
    {
        _to = to;
        _quiet = quiet;
        _duration = duration;
    }

    /// <summary>True when <paramref name="to"/> is the process's own console, not redirected (a person is watching).</summary>
    public static bool IsTerminal(TextWriter to) => to is GuardedWriter g ? g.Inner is { } inner && IsTerminal(inner) :
        (ReferenceEquals(to, Console.Out) && !Console.IsOutputRedirected) || (ReferenceEquals(to, Console.Error) && !Console.IsErrorRedirected);

    /// <summary>Runs <paramref name="work"/>, handing it the progress callback to call.</summary>
    public T Show<T>(Func<Action<RunProgress>?, T> work)
    {
        if (_quiet) return work(null);
        if (!IsTerminal(_to)) return work(Plain);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_to) });
        T result = default!;
        console.Live(Render(default)).AutoClear(true).Start(ctx =>
        {
            result = work(p =>
            {
                ctx.UpdateTarget(Render(p));
                ctx.Refresh();
            });
        });
        return result;
    }

    private void Plain(RunProgress p)
    {
        if (p.Elapsed < _nextPlain) return;
        _nextPlain = p.Elapsed + PlainEvery;
        _to.WriteLine($"progress {p.Elapsed.TotalSeconds:F0}s: {p.Faults} faults ({Rate(p):F0}/s), retries {Retries(p):F3}/fault, " +
                      $"{p.InvalidationsInFlight} invalidation(s) in flight, {p.DirtyPagesHarvested} dirty pages, {p.Violations} violations{Left(p)}");
    }

    private Table Render(RunProgress p)
    {
        var t = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("what").AddColumn(new TableColumn("value").RightAligned());
        t.AddRow("faults", $"{p.Faults:N0}");
        t.AddRow("faults/s", $"{Rate(p):N0}");
        t.AddRow("retries/fault", $"{Retries(p):F3}");
        t.AddRow("invalidations in flight", $"{p.InvalidationsInFlight}");
        t.AddRow("host operations", $"{p.HostOps:N0}");
        t.AddRow("dirty pages harvested", $"{p.DirtyPagesHarvested:N0}");
        t.AddRow("violations", p.Violations == 0 ? "0" : $"[red]{p.Violations}[/]");
        t.AddRow(_duration is null ? "elapsed" : "time left", _duration is { } d ? $"{Math.Max(0, (d - p.Elapsed).TotalSeconds):F0}s" : $"{p.Elapsed.TotalSeconds:F0}s");
        return t;
    }

    private static double Rate(RunProgress p) => p.Elapsed.TotalSeconds == 0 ? 0 : p.Faults / p.Elapsed.TotalSeconds;
    private static double Retries(RunProgress p) => p.Faults == 0 ? 0 : p.Retries / (double)p.Faults;
    private string Left(RunProgress p) => _duration is { } d ? $", {Math.Max(0, (d - p.Elapsed).TotalSeconds):F0}s left" : "";
}
