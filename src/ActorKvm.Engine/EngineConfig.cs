using Akka.Configuration;

namespace ActorKvm.Engine;

/// <summary>The actor-system configuration: the repository's <c>akka.hocon</c> (embedded at build time), optionally layered under a user file.</summary>
public static class EngineConfig
{
    /// <summary>The embedded <c>akka.hocon</c>.</summary>
    public static string DefaultText
    {
        get
        {
            using var s = typeof(EngineConfig).Assembly.GetManifestResourceStream("akka.hocon")
                ?? throw new InvalidOperationException("akka.hocon is not embedded in ActorKvm.Engine");
            using var r = new StreamReader(s);
            return r.ReadToEnd();
        }
    }

    /// <summary>Loads <c>akka.hocon</c>, with <paramref name="overlayPath"/> (<c>--config FILE</c>) taking precedence.</summary>
    /// <exception cref="FormatException">The overlay's brackets do not balance (Akka's parser would accept or hang on it).</exception>
    public static Config Load(string? overlayPath = null)
    {
        var config = ConfigurationFactory.ParseString(DefaultText);
        if (overlayPath is null) return config;
        var text = File.ReadAllText(overlayPath);
        if (Scenarios.Loading.Tree.BracketScanner.Check(text) is { } problem) throw new FormatException($"line {problem.Line}: {problem.Message}");
        return ConfigurationFactory.ParseString(text).WithFallback(config);
    }
}
