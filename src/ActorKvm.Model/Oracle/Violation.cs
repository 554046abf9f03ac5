namespace ActorKvm.Model.Oracle;

/// <summary>One broken invariant, with where the run was when the oracle saw it.</summary>
/// <param name="Kind">The typed violation.</param>
/// <param name="Detail">What exactly is wrong (addresses, pfns).</param>
/// <param name="Context">The step or event during which it was found (set by the driver).</param>
public sealed record Violation(ViolationKind Kind, string Detail, string? Context)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind.Name()}: {Detail}{(Context is null ? "" : $" (at {Context})")}";
}
