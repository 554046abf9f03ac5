using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Stress.Cli;

/// <summary>The checks of options several verbs share (<c>run</c>, <c>replay</c>, <c>hunt</c>, <c>check</c>): one message each, everywhere.</summary>
internal static class OptionChecks
{
    public static int Vcpus(int n) => n is >= 1 and <= 4096 ? n : throw new CliUserError($"--vcpus: expected 1..4096, got {n}");

    public static ulong Memory(string text) =>
        ScenarioValues.TryParseSize(text, out var bytes) && bytes >= 2UL << 20
            ? bytes
            : throw new CliUserError($"--memory: expected a size of at least 2M such as 1G, got '{text}'");

    public static long Faults(long n) => n >= 1 ? n : throw new CliUserError($"--faults: expected a positive count, got {n}");

    public static int InvalidateEvery(int n) => n >= 0 ? n : throw new CliUserError($"--invalidate-every: expected 0 or more accesses, got {n}");

    /// <summary>A trace file must go into an existing directory (checked before anything runs).</summary>
    public static string? TracePath(string? path) =>
        path is null || Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)))
            ? path
            : throw new CliUserError($"--trace: no such directory for {path}");
}
