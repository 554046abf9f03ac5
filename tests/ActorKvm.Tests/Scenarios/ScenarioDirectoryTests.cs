using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Tests.Scenarios;

public sealed class ScenarioDirectoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorkvm-dir-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string relative, string text)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Directory_IsLoadedRecursively_SortedByPath_OnlyScenarioExtensions()
    {
        Write("b.hocon", "name = b");
        Write("a.conf", "name = a");
        Write("sub/c.json", "{ \"name\": \"c\" }");
        Write("notes.txt", "not a scenario");
        var results = ScenarioLoader.LoadDirectory(_dir);
        Assert.Equal(["a", "b", "c"], results.Select(r => r.Scenario!.Name));
        Assert.All(results, r => Assert.StartsWith(_dir, r.File));
    }

    [Fact]
    public void DuplicateNameInADirectory_IsAnErrorOnTheLaterFile()
    {
        var first = Write("a.hocon", "name = same");
        var second = Write("b.hocon", "name = same");
        var results = ScenarioLoader.LoadDirectory(_dir);
        Assert.True(results[0].IsOk);
        Assert.Equal(new ScenarioError(second, "name", $"duplicate scenario name 'same' (also in {first})"), results[1].Error);
    }

    [Fact]
    public void MalformedFileInADirectory_DoesNotStopTheOthers()
    {
        Write("a.hocon", "name = a\nsteps = [");
        Write("b.hocon", "name = b");
        var results = ScenarioLoader.LoadDirectory(_dir);
        Assert.False(results[0].IsOk);
        Assert.True(results[1].IsOk);
    }
}
