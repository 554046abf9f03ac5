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

    /// <summary>
    /// An MTE VM refuses a slot whose VMA lacks <c>VM_MTE_ALLOWED</c> (<c>kvm_arch_prepare_memory_region</c>): a chosen
    /// backing that does not allow MTE is the user's error, named after <paramref name="why"/> (the option or switch asking for MTE).
    /// </summary>
    public static void CheckMte(IReadOnlyList<BackingKind>? backings, string why)
    {
        if (backings?.Where(b => !b.MteAllowed()).Select(b => b.ToScenarioName()).FirstOrDefault() is { } noMte)
            throw new CliUserError($"{why}: backing {noMte} does not allow MTE (an MTE VM refuses its slot)");
    }
}
