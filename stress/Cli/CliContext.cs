using ActorKvm.Engine.Scenarios.Execution;

namespace ActorKvm.Stress.Cli;

/// <summary>What the verbs need from the outside world, injectable so tests can run them in-process.</summary>
/// <param name="FindEngine">Executor factory by engine name (null when not available).</param>
/// <param name="CurrentDirectory">Where the repository root search starts.</param>
internal sealed record CliContext(Func<string, Func<IScenarioExecutor>?> FindEngine, string CurrentDirectory)
{
    public static CliContext Default => new(ScenarioExecutors.Find, Environment.CurrentDirectory);

    /// <summary>The folder holding ActorKvm.sln, walking up from the current directory; null outside a repository.</summary>
    public string? RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(CurrentDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ActorKvm.sln"))) return dir.FullName;
            return null;
        }
    }

    /// <summary>The scenarios shipped with the program (copied next to it by the build and packed into the tool).</summary>
    public static string ShippedScenariosDirectory => Path.Combine(AppContext.BaseDirectory, "scenarios");

    /// <summary>
    /// The default of <c>scenarios</c>: the repository's <c>scenarios/</c> when run inside a checkout (so edits show at
    /// once), else the copy shipped with the program, so the verb works from any directory. Shown relative to the
    /// current directory when inside it.
    /// </summary>
    public string DefaultScenariosDirectory
    {
        get
        {
            if (RepositoryRoot is not { } root) return ShippedScenariosDirectory;
            var full = Path.Combine(root, "scenarios");
            // Relative display only when it resolves the same way for the process (tests pass another directory).
            if (Path.GetFullPath(CurrentDirectory) != Path.GetFullPath(Environment.CurrentDirectory)) return full;
            var rel = Path.GetRelativePath(CurrentDirectory, full);
            return rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) ? full : rel;
        }
    }
}
