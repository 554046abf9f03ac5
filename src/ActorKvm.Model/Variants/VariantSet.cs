using ActorKvm.Model.Locking;

namespace ActorKvm.Model.Variants;

/// <summary>The variants turned on for one VM; the model asks the hooks here where a variant may change it.</summary>
public sealed class VariantSet
{
    private readonly Variant[] _on;

    /// <summary>Creates a set from registered names (<see cref="VariantCatalog"/>).</summary>
    public VariantSet(IEnumerable<string> names)
        : this(names.Distinct().Select(n => VariantCatalog.Find(n) ?? throw new ArgumentException($"unknown variant '{n}'", nameof(names))))
    {
    }

    /// <summary>Creates a set from variants (a test may pass one that is not registered).</summary>
    public VariantSet(IEnumerable<Variant> variants) => _on = [.. variants];

    /// <summary>No variant on: the model as the kernel is.</summary>
    public static VariantSet None { get; } = new(Array.Empty<Variant>());

    /// <summary>The names of the variants that are on.</summary>
    public IReadOnlyList<string> On => [.. _on.Select(v => v.Name)];

    /// <summary>The mode <c>kvm_fault_lock</c> takes: the first variant's opinion, else <paramref name="kernel"/>.</summary>
    public LockMode FaultLockMode(bool faultIsPerm, LockMode kernel)
    {
        foreach (var v in _on)
            if (v.FaultLockMode(faultIsPerm) is { } mode) return mode;
        return kernel;
    }
}
