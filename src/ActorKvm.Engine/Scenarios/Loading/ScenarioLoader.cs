using ActorKvm.Engine.Scenarios.Loading.Tree;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Loads scenario files and validates them completely before anything runs: syntax (guarded against
/// parser hangs), every key, every value, and the kernel's rules for the initial VM, VMAs and memslots.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>File extensions picked up from a directory.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".hocon", ".conf", ".json"];

    /// <summary>Loads one file (any extension; <c>.json</c> is parsed as strict JSON).</summary>
    public static ScenarioLoadResult LoadFile(string path)
    {
        string text;
        try
        {
            if (Directory.Exists(path)) return Fail(path, "", "is a directory, not a scenario file");
            if (!File.Exists(path)) return Fail(path, "", "no such file");
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail(path, "", "cannot read: " + e.Message);
        }
        return LoadText(text, path);
    }

    /// <summary>
    /// Loads scenario text; <paramref name="sourcePath"/> names it in messages and its extension picks
    /// the syntax (<c>.json</c>: strict JSON; otherwise JSON when it is JSON, else HOCON).
    /// </summary>
    public static ScenarioLoadResult LoadText(string text, string sourcePath)
    {
        try
        {
            var root = ParseTree(text, sourcePath);
            var scenario = ScenarioReader.Read(root, sourcePath);
            ScenarioValidator.Validate(scenario);
            return ScenarioLoadResult.Ok(scenario);
        }
        catch (ScenarioParseException e)
        {
            return Fail(sourcePath, e.KeyPath, e.Message);
        }
    }

    /// <summary>
    /// Loads every <c>.hocon</c>, <c>.conf</c> and <c>.json</c> file under <paramref name="directory"/>
    /// (recursively, sorted by path for determinism). A scenario whose name an earlier file already
    /// uses is reported as an error on the later file.
    /// </summary>
    public static IReadOnlyList<ScenarioLoadResult> LoadDirectory(string directory)
    {
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToList();
        var results = new List<ScenarioLoadResult>(files.Count);
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var r = LoadFile(file);
            if (r.Scenario is { } s && !byName.TryAdd(s.Name, file))
                r = Fail(file, "name", $"duplicate scenario name '{s.Name}' (also in {byName[s.Name]})");
            results.Add(r);
        }
        return results;
    }

    internal static SNode ParseTree(string text, string sourcePath)
    {
        if (string.Equals(Path.GetExtension(sourcePath), ".json", StringComparison.OrdinalIgnoreCase))
            return JsonTreeReader.Parse(text);
        // JSON-shaped files are read strictly: Akka's HOCON parser accepts some broken JSON silently.
        if (text.TrimStart().StartsWith('{') && JsonTreeReader.TryParse(text, out var json, out _))
            return json!;
        return HoconTreeReader.Parse(text);
    }

    private static ScenarioLoadResult Fail(string file, string keyPath, string message) =>
        ScenarioLoadResult.Failed(new ScenarioError(file, keyPath, message));
}
