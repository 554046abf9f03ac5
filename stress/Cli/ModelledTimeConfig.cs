using ActorKvm.Timing.Costs;
using Akka.Configuration;

namespace ActorKvm.Stress.Cli;

/// <summary>The costs of <c>--modelled-time</c>: <c>actorkvm.modelled-time.costs</c> of <c>akka.hocon</c>, then of <c>--config FILE</c>.</summary>
internal static class ModelledTimeConfig
{
    private const string Section = "actorkvm.modelled-time.costs";

    /// <summary>Reads every cost; a missing, unknown or bad one is the user's error (their <c>--config</c>).</summary>
    public static ModelledCosts Costs(Config config)
    {
        try
        {
            if (config.GetValue(Section) is not { } section || !section.IsObject())
                throw new ConfigurationException("must be an object of costs (fault-exit, map-4k, ...)");
            var values = new Dictionary<string, double>();
            foreach (var (key, _) in config.GetConfig(Section).AsEnumerable())
                values[key] = config.GetConfig(Section).GetDouble(key);
            return new ModelledCosts(values);
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or OverflowException or InvalidCastException or ArgumentException or NotSupportedException)
        {
            throw new CliUserError($"--config: {Section}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
