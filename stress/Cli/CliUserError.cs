namespace ActorKvm.Stress.Cli;

/// <summary>An error the user caused (bad option value, missing file): printed as one line, exit 2.</summary>
internal sealed class CliUserError(string message) : Exception(message);
