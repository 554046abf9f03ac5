using ActorKvm.Model.Bugs;

namespace ActorKvm.Stress.Cli;

/// <summary>Checks <c>--bug</c> values: known, and modelled.</summary>
internal static class BugNames
{
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
