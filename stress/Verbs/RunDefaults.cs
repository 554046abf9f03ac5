using ActorKvm.Engine;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Cli;
using Akka.Configuration;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// The defaults of <c>run</c>'s workload knobs: the <c>actorkvm.run</c> section of <c>akka.hocon</c>, then of
/// <c>--config FILE</c>; an option on the command line wins over both (the issue's configuration layering).
/// </summary>
internal sealed record RunDefaults(int Vcpus, string Memory, string Duration, int InvalidateEvery, bool DirtyLog, bool MemslotChurn, string Record, bool Mte)
{
    /// <summary>
    /// <c>record = auto</c> records runs of at most this many vCPUs. Measured (2-core machine, 10-20 s runs, record on vs
    /// off): 4 vCPUs within noise (22.9 k vs 22.3 k faults/s), 8 vCPUs about 40% slower, 64 vCPUs about 60% slower —
    /// every recorded turn holds the model's gate lock, and with many vCPU actors the lock convoys.
    /// </summary>
    public const int RecordAutoMaxVcpus = 4;

    /// <summary>Whether a free-running run of <paramref name="vcpus"/> vCPUs records its deliveries by default.</summary>
    public bool RecordFor(int vcpus) => Record == "auto" ? vcpus <= RecordAutoMaxVcpus : Record is "on" or "true" or "yes";

    /// <summary>
    /// The workload these defaults describe, bounded by <paramref name="maxFaults"/>; a bad size or count is the user's
    /// error, worded as its option's (they wrote it in their <c>--config</c>).
    /// </summary>
    public WorkloadOptions Workload(long maxFaults) => new(CliParsers.Vcpus(Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture), list: true)[0],
        MemorySize.Parse(Memory).Bytes, InvalidateEvery: OptionChecks.InvalidateEvery(InvalidateEvery), DirtyLog: DirtyLog, MemslotChurn: MemslotChurn, Mte: Mte,
        MaxFaults: maxFaults);

    /// <summary>The defaults of the embedded <c>akka.hocon</c> (what <c>--help</c> shows).</summary>
    public static RunDefaults Embedded { get; } = From(EngineConfig.Load());

    /// <summary>Reads <c>actorkvm.run</c> from <paramref name="config"/>; a bad value is the user's error (their <c>--config</c>).</summary>
    public static RunDefaults From(Config config)
    {
        const string Section = "actorkvm.run";
        try
        {
            // A section written as a value (actorkvm.run = 5) is not an object: Akka's GetConfig would hand back garbage.
            if (config.GetValue(Section) is not { } section || !section.IsObject())
                throw new ConfigurationException("must be an object of keys (vcpus, memory, duration, ...)");
            var c = config.GetConfig(Section);
            return new RunDefaults(c.GetInt("vcpus"), c.GetString("memory"), c.GetString("duration"), c.GetInt("invalidate-every"),
                c.GetBoolean("dirty-log"), c.GetBoolean("memslot-churn"), c.GetString("record"), c.GetBoolean("mte"))
                is { Record: "auto" or "on" or "off" or "true" or "false" or "yes" or "no" } d
                ? d
                : throw new ConfigurationException("record: expected on, off or auto");
        }
        catch (Exception e) when (e is ConfigurationException or FormatException or OverflowException or InvalidCastException or ArgumentException or NotSupportedException)
        {
            throw new CliUserError($"--config: {Section}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
