using System.CommandLine;
using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Stress.Cli;

/// <summary>Options every verb accepts (<c>--json</c>, <c>--quiet</c>, <c>--config</c>), declared once on the root.</summary>
internal sealed class CommonOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable output on stdout (one JSON object); human text goes to stderr", Recursive = true };
    public Option<bool> Quiet { get; } = new("--quiet") { Description = "No progress display", Recursive = true };
    public Option<string?> Config { get; } = new("--config") { Description = "An extra HOCON file layered over akka.hocon", Recursive = true, HelpName = "FILE" };

    public void AddTo(Command root)
    {
        root.Add(Json);
        root.Add(Quiet);
        root.Add(Config);
    }

    /// <summary>Checks the common values; <c>--config</c> must name an existing file.</summary>
    public (bool Json, bool Quiet, string? Config) Read(ParseResult r)
    {
        var config = r.GetValue(Config);
        if (config is not null && InputFiles.Stat(config).Kind == InputFiles.Kind.Missing) throw new CliUserError($"--config: no such file: {config}");
        if (config is not null)
        {
            try
            {
                Engine.EngineConfig.Load(config); // a bad file is the user's error, whichever verb reads it later
            }
            catch (Exception e) when (e is Akka.Configuration.ConfigurationException or FormatException)
            {
                throw new CliUserError($"--config: {config}: {e.Message.ReplaceLineEndings(" ")}");
            }
        }
        return (r.GetValue(Json), r.GetValue(Quiet), config);
    }
}
