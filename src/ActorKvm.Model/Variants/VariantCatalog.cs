namespace ActorKvm.Model.Variants;

/// <summary>
/// The registry of variants: one file per variant under <c>Variants/</c>, one line here. <c>--variant NAME</c> and
/// scenario <c>variants = [...]</c> accept exactly these names; <c>actorkvm variants</c> lists them.
/// </summary>
public static class VariantCatalog
{
    /// <summary>Every variant, in registration order.</summary>
    public static IReadOnlyList<Variant> All { get; } =
    [
        new PermFaultWriteLock(),
        new FaultWriteLock(),
    ];

    /// <summary>The known names, in registration order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(v => v.Name)];

    /// <summary>The variant named <paramref name="name"/>, or null.</summary>
    public static Variant? Find(string name) => All.FirstOrDefault(v => v.Name == name);
}
