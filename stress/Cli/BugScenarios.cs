namespace ActorKvm.Stress.Cli;

/// <summary>
/// The catalog scenarios of the bug switches (<c>scenarios/bugs/NAME.hocon</c>), built into <c>actorkvm</c> so that a
/// command finds them wherever it is started from, with no guess at where the repository is.
/// </summary>
internal static class BugScenarios
{
    /// <summary>Where the scenario of <paramref name="bug"/> lives in the repository (and its resource name).</summary>
    public static string RelativePath(string bug) => $"scenarios/bugs/{bug}.hocon";

    /// <summary>The built-in text of <paramref name="bug"/>'s scenario, or null when there is none.</summary>
    public static string? Text(string bug)
    {
        using var stream = typeof(BugScenarios).Assembly.GetManifestResourceStream(RelativePath(bug));
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
