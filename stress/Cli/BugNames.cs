using ActorKvm.Model.Bugs;

namespace ActorKvm.Stress.Cli;

/// <summary>Checks <c>--bug</c> values: known, and modelled.</summary>
internal static class BugNames
{
    /// <summary>The <c>--bug NAME</c> option (repeatable), declared here once for every verb; <paramref name="what"/> says what it does there.</summary>
    public static System.CommandLine.Option<string[]> Option(string what = "Turn a bug switch on") =>
        new("--bug") { Description = $"{what} (repeatable; names from 'actorkvm bugs')", HelpName = "NAME" };

    public static BugSet Check(IEnumerable<string> names)
    {
        var list = names.ToList();
        foreach (var b in list)
        {
            if (!BugCatalog.IsKnown(b)) throw new CliUserError($"--bug: unknown bug '{b}' (see 'actorkvm bugs')");
            if (BugCatalog.Find(b) is { NotModelled: { } why }) throw new CliUserError($"--bug: bug '{b}' is not modelled ({why})");
        }
        return new BugSet(list);
    }
}
