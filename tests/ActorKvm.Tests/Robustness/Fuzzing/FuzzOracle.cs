using System.Diagnostics;
using System.Text.RegularExpressions;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Tests.Robustness.Fuzzing;

/// <summary>
/// The fuzzer's oracle, in-process where the property allows (fast) and by real processes for exit codes and streams:
/// a bad file is one line naming it, never an exception or a .NET type name; a good one runs to PASS or FAIL; every
/// input within a time and allocation bound.
/// </summary>
internal static partial class FuzzOracle
{
    /// <summary>Per input: generous, far above any real input's cost (a fuzzer is a search, not a speed figure).</summary>
    public static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(10);

    /// <summary>Allocation allowed per input: 64 bytes per input byte plus 256 MiB for running the model.</summary>
    public static long AllocationBound(int inputLength) => 64L * inputLength + (256L << 20);

    [GeneratedRegex(@"(System\.|Exception|   at |\bNullReference|\bObject reference)")]
    private static partial Regex DotNetLeak();

    /// <summary>Null when the line is fine: one line, no control characters, no .NET internals.</summary>
    public static string? CheckLine(string what, string line)
    {
        if (line.Contains('\n') || line.Contains('\r')) return $"{what} spans lines: {line}";
        if (line.Any(c => char.IsControl(c) && c != '\t')) return $"{what} holds a control character: {line}";
        if (DotNetLeak().IsMatch(line)) return $"{what} leaks .NET internals: {line}";
        return null;
    }

    /// <summary>Loads <paramref name="text"/> and, when valid, runs it on the model engine; returns a finding or null.</summary>
    public static string? CheckScenario(string text, string file = "fuzz.hocon") => CheckScenario(text, out _, file);

    /// <summary>As <see cref="CheckScenario(string, string)"/>; <paramref name="ran"/> says whether it loaded and ran.</summary>
    public static string? CheckScenario(string text, out bool ran, string file = "fuzz.hocon")
    {
        ran = false;
        var sw = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var loaded = ScenarioLoader.LoadText(text, file);
            if (loaded.Error is { } error)
            {
                if (error.File != file) return $"error names {error.File}, not {file}";
                if (CheckLine("error", error.ToString()) is { } bad) return bad;
            }
            else
            {
                var outcome = ScenarioExecutors.Find(ScenarioExecutors.ModelEngine)!().Execute(loaded.Scenario!, new ScenarioRunOptions([], null));
                ran = true;
                if (outcome.FailureText is { } failure && CheckLine("failure", failure) is { } bad) return bad;
            }
        }
        catch (Exception e)
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }
        if (sw.Elapsed > TimeBound) return $"took {sw.Elapsed.TotalSeconds:F1} s";
        var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
        if (used > AllocationBound(text.Length)) return $"allocated {used >> 20} MiB for {text.Length} characters";
        return null;
    }
}
