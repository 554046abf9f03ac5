using ActorKvm.Model.Host;

namespace ActorKvm.Stress.Cli;

/// <summary>Checks <c>--backing</c> values; none given means the workload's default mix (null).</summary>
internal static class Backings
{
    public static IReadOnlyList<BackingKind>? Parse(string[]? names)
    {
        if (names is null || names.Length == 0) return null;
        return names.Select(b => BackingKindExtensions.Parse(b) ?? throw new CliUserError(
            $"--backing: unknown backing '{b}' (expected one of {string.Join(", ", BackingKindExtensions.Names.Select(x => x.Name))})")).ToList();
    }
}
