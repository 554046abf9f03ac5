namespace ActorKvm.Tests.Support;

/// <summary>Paths inside the repository, found by walking up from the test assembly to ActorKvm.sln.</summary>
public static class RepoPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ActorKvm.sln"))) return dir.FullName;
            throw new InvalidOperationException("ActorKvm.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Scenarios => Path.Combine(Root, "scenarios");
}
