namespace ActorKvm.Stress.Cli;

/// <summary>The two output streams. With <c>--json</c>, human text moves to stderr so stdout holds only the JSON.</summary>
internal sealed record CliIo(TextWriter Out, TextWriter Err)
{
    /// <summary>Where human-readable text goes.</summary>
    public TextWriter Human(bool json) => json ? Err : Out;
}
