using ActorKvm.Model.Variants;

namespace ActorKvm.Stress.Cli;

/// <summary><c>--variant NAME</c> (repeatable), on every verb that runs the model: known names only.</summary>
internal static class VariantNames
{
    /// <summary>The option, one instance per command.</summary>
    public static System.CommandLine.Option<string[]> Option() =>
        new("--variant") { Description = "Turn a variant on: a proposed model change, not a known bug (repeatable; names from 'actorkvm variants')", HelpName = "NAME" };

    /// <summary>The set named by <paramref name="names"/>; an unknown name is the user's error.</summary>
    public static VariantSet Check(IEnumerable<string>? names)
    {
        var list = (names ?? []).Distinct().ToList();
        foreach (var n in list)
            if (VariantCatalog.Find(n) is null)
                throw new CliUserError($"--variant: unknown variant '{n}' (known: {string.Join(", ", VariantCatalog.Names)}; see 'actorkvm variants')");
        return new VariantSet(list);
    }
}
