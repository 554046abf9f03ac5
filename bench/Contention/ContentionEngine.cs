namespace ActorKvm.Bench.Contention;

/// <summary>The engines the contention matrix compares (the benchmark method names).</summary>
public enum ContentionEngine
{
    /// <summary>The free-running actor engine.</summary>
    ActorEngine,
    /// <summary>One thread per vCPU, <c>mmu_lock</c> as a ReaderWriterLockSlim.</summary>
    LockBased,
    /// <summary>Fault phases as System.Threading.Channels stages.</summary>
    ChannelsPipeline,
}
