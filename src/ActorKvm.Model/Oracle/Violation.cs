namespace ActorKvm.Model.Oracle;

/// <summary>One broken invariant, with where the run was when the oracle saw it.</summary>
/// <param name="Kind">The typed violation.</param>
/// <param name="Detail">What exactly is wrong (addresses, pfns).</param>
/// <param name="Context">The step or event during which it was found (set by the driver).</param>
/// <param name="Finding">The <see cref="UpstreamFindings"/> id when the break is upstream behaviour, not a switch's doing.</param>
public sealed record Violation(ViolationKind Kind, string Detail, string? Context, string? Finding = null)
{
    /// <summary>What it is about (<see cref="ViolationSubject"/>: <c>ipa 0x...</c>, <c>pfn 0x...</c>, ...), or null when the report has no address.</summary>
    public string? Subject { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Finding is null ? "" : $"[upstream finding {Finding}] ")}{Kind.Name()}: {Detail}{(Context is null ? "" : $" (at {Context})")}";
}
