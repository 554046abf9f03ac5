using ActorKvm.Model.Bugs;

namespace ActorKvm.Engine.Exploration;

/// <summary>
/// Modelled switches whose interleaving the generic workload cannot produce faithfully, and why (each switch's own
/// <see cref="BugSwitch.Unreachable"/>): a hunt that does not find one of these says so instead of just "not found".
/// </summary>
public static class UnreachableFromWorkload
{
    /// <summary>Bug name → why no faithful unscripted workload reaches it.</summary>
    public static IReadOnlyDictionary<string, string> Reasons { get; } =
        BugCatalog.All.Where(b => b.Unreachable is not null).ToDictionary(b => b.Name, b => b.Unreachable!);
}
