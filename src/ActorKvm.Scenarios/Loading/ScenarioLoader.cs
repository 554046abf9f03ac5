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

    /// <summary>Loads one file (any extension; <c>.json</c> is parsed as strict JSON). Only regular files are read.</summary>
    public static ScenarioLoadResult LoadFile(string path)
    {
        var text = InputFiles.ReadText(path, out var error);
        return text is null ? Fail(path, "", error!) : LoadText(text, path);
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
        var results = new List<ScenarioLoadResult>();
        var files = new List<string>();
        Walk(directory, files, results, new HashSet<(long, long)>());
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            var r = LoadFile(file);
            if (r.Scenario is { } s && !byName.TryAdd(s.Name, file))
                r = Fail(file, "name", $"duplicate scenario name '{s.Name}' (also in {byName[s.Name]})");
            results.Add(r);
        }
        return results;
    }

    /// <summary>
    /// Collects the scenario files under <paramref name="directory"/>. Each directory is entered once (by device and
    /// inode), so a symbolic-link loop ends; a directory that cannot be read, and a FIFO or device with a scenario
    /// extension, are reported as failed entries and the walk goes on.
    /// </summary>
    private static void Walk(string directory, List<string> files, List<ScenarioLoadResult> failures, HashSet<(long, long)> seen)
    {
        var (_, _, dev, ino) = InputFiles.Stat(directory);
        if (!seen.Add((dev, ino))) return;
        List<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add(Fail(directory, "", "cannot read directory: " + e.Message.ReplaceLineEndings(" ")));
            return;
        }
        foreach (var entry in entries)
        {
            var kind = InputFiles.Stat(entry).Kind;
            if (kind == InputFiles.Kind.Directory) Walk(entry, files, failures, seen);
            else if (Extensions.Contains(Path.GetExtension(entry).ToLowerInvariant()) && kind != InputFiles.Kind.Missing) files.Add(entry);
        }
    }

    /// <summary>
    /// Parses a <c>--config</c> overlay with the scenario loader's guards (bounded, one-line errors) and returns it as
    /// strict JSON for Akka's configuration reader; null with <paramref name="error"/> (<c>line N: ...</c> or
    /// <c>KEYPATH: ...</c>) when the file cannot be used.
    /// </summary>
    public static string? ConfigAsJson(string path, out string? error)
    {
        var text = InputFiles.ReadText(path, out error);
        if (text is null) return null;
        try
        {
            var tree = text.TrimStart().StartsWith('{') && JsonTreeReader.TryParse(text, out var json, out _) ? json! : HoconTreeReader.Parse(text);
            if (tree is not SObject) throw new ScenarioParseException("", "the file must be an object of keys");
            return HoconTreeReader.ToJson(tree);
        }
        catch (ScenarioParseException e)
        {
            error = e.KeyPath.Length == 0 ? e.Message : $"{e.KeyPath}: {e.Message}";
            return null;
        }
    }

    /// <summary>
    /// The syntax tree of a scenario file (HOCON, or JSON by extension or shape) before any key is read, for tools that
    /// rewrite a scenario; throws <see cref="ScenarioParseException"/> on a syntax error.
    /// </summary>
    public static SNode ParseTree(string text, string sourcePath)
    {
        if (string.Equals(Path.GetExtension(sourcePath), ".json", StringComparison.OrdinalIgnoreCase))
            return JsonTreeReader.Parse(text);
        // JSON-shaped files are read strictly: Akka's HOCON parser accepts some broken JSON silently.
        if (text.TrimStart().StartsWith('{') && JsonTreeReader.TryParse(text, out var json, out _))
            return json!;
        return HoconTreeReader.Parse(text);
    }

    private static ScenarioLoadResult Fail(string file, string keyPath, string message) =>
        ScenarioLoadResult.Failed(new ScenarioError(file, Printable.Escape(keyPath), Printable.Escape(message)));
}
