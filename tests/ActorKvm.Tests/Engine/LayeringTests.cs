using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine;

/// <summary>
/// The design card's shape, checked: the model stays free of Akka, and the engine stays small enough to read
/// (issue 13: at most 6 000 lines of C#), so a change that grows it must first make room elsewhere.
/// </summary>
public sealed class LayeringTests
{
    private const int EngineLineBudget = 6000;

    [Fact]
    public void Model_DoesNotReferenceAkka()
    {
        var model = typeof(ActorKvm.Model.Fault.GuestAccess).Assembly;
        var akka = model.GetReferencedAssemblies().Where(a => a.Name!.StartsWith("Akka", StringComparison.Ordinal));
        Assert.Empty(akka);
    }

    [Fact]
    public void Engine_StaysWithinItsLineBudget()
    {
        var dir = Path.Combine(RepoPaths.Root, "src", "ActorKvm.Engine");
        var lines = Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(dir, f)))
            .Sum(f => File.ReadAllText(f).Count(c => c == '\n'));
        Assert.True(lines <= EngineLineBudget,
            $"src/ActorKvm.Engine has {lines} lines of C#, over its budget of {EngineLineBudget}: make room before adding");
    }

    private static bool IsBuildOutput(string relative) =>
        relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
        || relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
