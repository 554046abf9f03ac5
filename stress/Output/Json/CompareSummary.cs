namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>compare --json</c> object: the variant, the baseline's variants, the seeds, and one comparison per vCPU count.</summary>
internal sealed record CompareSummary(string Variant, IReadOnlyList<string> Baseline, ulong FirstSeed, int Seeds, long FaultsPerRun, IReadOnlyList<Comparison> Comparisons);

/// <summary>One vCPU count of a comparison: both sides summed over the seeds.</summary>
internal sealed record Comparison(int Vcpus, CompareSide Baseline, CompareSide Variant);

/// <summary>One side of a comparison: lock waits, retries by cause, latency in deliveries, violations.</summary>
internal sealed record CompareSide(long Faults, long LockWaitsRead, long LockWaitsWrite, double LockWaitsPerFault, double RetriesPerFault,
    long RetriesInvalidationInProgress, long RetriesSequenceMoved, long RetriesOther, double LatencyP50Deliveries, double LatencyP99Deliveries,
    double LatencyMaxDeliveries, double DeliveriesPerFault, long ViolationSubjects, long ViolationEvents);

/// <summary>The <c>compare --modelled-time --json</c> object: modelled faults/s and p99 latency of both sides per vCPU count.</summary>
internal sealed record ModelledCompareSummary(string Variant, bool ModelledTime, IReadOnlyList<ModelledComparison> Comparisons);

/// <summary>One vCPU count of a modelled-time comparison (means over the seeds).</summary>
internal sealed record ModelledComparison(int Vcpus, double BaselineFaultsPerSecond, double VariantFaultsPerSecond, double BaselineLatencyP99Us, double VariantLatencyP99Us);
