using System.Text.Json.Serialization;
using ActorKvm.Timing.Report;

namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>run --modelled-time --json</c> object: seed and vCPUs, then the run's <see cref="ModelledFigures"/>.</summary>
internal sealed record ModelledRunSummary : ModelledFigures
{
    public ModelledRunSummary(ulong seed, int vcpus, ModelledFigures figures) : base(figures) => (Seed, Vcpus) = (seed, vcpus);

    /// <summary>The workload's seed.</summary>
    [JsonPropertyOrder(-2)] public ulong Seed { get; }

    /// <summary>vCPUs.</summary>
    [JsonPropertyOrder(-1)] public int Vcpus { get; }
}

/// <summary>One <c>dirty-log-perf --json</c> object (one per vCPU count): the selftest's phase times, then the run's <see cref="ModelledFigures"/>.</summary>
internal sealed record DirtyLogPerfSummary : ModelledFigures
{
    public DirtyLogPerfSummary(int vcpus, double populateNs, double enableNs, IReadOnlyList<double> passNs, IReadOnlyList<double> getNs, double disableNs, ModelledFigures figures)
        : base(figures) => (Vcpus, PopulateNs, EnableNs, PassNs, GetNs, DisableNs) = (vcpus, populateNs, enableNs, passNs, getNs, disableNs);

    /// <summary>vCPUs.</summary>
    [JsonPropertyOrder(-6)] public int Vcpus { get; }

    /// <summary>Populate memory time, modelled ns.</summary>
    [JsonPropertyOrder(-5)] public double PopulateNs { get; }

    /// <summary>Enabling dirty logging, modelled ns.</summary>
    [JsonPropertyOrder(-4)] public double EnableNs { get; }

    /// <summary>Each dirty pass, modelled ns.</summary>
    [JsonPropertyOrder(-3)] public IReadOnlyList<double> PassNs { get; }

    /// <summary>Each get-dirty-log after a pass, modelled ns.</summary>
    [JsonPropertyOrder(-2)] public IReadOnlyList<double> GetNs { get; }

    /// <summary>Disabling dirty logging, modelled ns.</summary>
    [JsonPropertyOrder(-1)] public double DisableNs { get; }
}

/// <summary>The <c>dirty-log-perf --paper NAME --json</c> object: a published table reproduced as ratios.</summary>
internal sealed record PaperSummary(string Table, string Calibration, IReadOnlyList<PaperRow> Rows);

/// <summary>One row of a reproduced table (the published ratio when the paper has the row).</summary>
internal sealed record PaperRow(string Quantity, int Vcpus, double ModelBefore, double ModelAfter, double ModelRatio, double? PublishedRatio);
