namespace ActorKvm.Bench.Contention;

/// <summary>How often the host invalidates while the vCPUs fault (a name in the results: keep it stable).</summary>
public enum InvalidationRate
{
    /// <summary>No host operations: pure fault contention on <c>mmu_lock</c> and the model.</summary>
    None,
    /// <summary>A host MM operation after every 16 finished accesses (the stress workload's default).</summary>
    Moderate,
    /// <summary>A host MM operation after every 2 finished accesses (the notifier is nearly always busy).</summary>
    Heavy,
}
