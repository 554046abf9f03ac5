using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Stress.Cli;

/// <summary>A guest size as <c>--memory</c> takes it: the bytes, and the text the user wrote (what the run's lines print).</summary>
internal readonly record struct MemorySize(ulong Bytes, string Text)
{
    /// <summary>At least 2M, written as the scenario format writes sizes (<c>64M</c>, <c>1G</c>).</summary>
    public static MemorySize Parse(string text) =>
        ScenarioValues.TryParseSize(text, out var bytes) && bytes >= 2UL << 20
            ? new(bytes, text)
            : throw new CliUserError($"--memory: expected a size of at least 2M such as 1G, got '{text}'");

    /// <summary>Whole MiB, as a bug switch's need writes them.</summary>
    public static MemorySize OfBytes(ulong bytes) => new(bytes, $"{bytes >> 20}M");

    /// <summary>The text (what <c>--help</c> shows as the default).</summary>
    public override string ToString() => Text;
}
