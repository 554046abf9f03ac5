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
    /// <exception cref="FormatException">
    /// The overlay cannot be used (not a regular file, not valid HOCON, a substitution cycle...): the message is one line.
    /// It is read by the scenario loader's bounded parser and handed to Akka as strict JSON, so Akka's parser never sees
    /// text it could hang on.
    /// </exception>
    public static Config Load(string? overlayPath = null)
    {
        var config = ConfigurationFactory.ParseString(DefaultText);
        if (overlayPath is null) return config;
        var json = Scenarios.Loading.ScenarioLoader.ConfigAsJson(overlayPath, out var error) ?? throw new FormatException(error);
        return ConfigurationFactory.ParseString(json).WithFallback(config);
    }
}
