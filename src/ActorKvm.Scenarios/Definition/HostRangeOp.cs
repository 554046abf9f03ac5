namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Host-MM operations over an HVA range (each runs an MMU-notifier invalidation).</summary>
public enum HostRangeOp
{
    /// <summary><c>munmap</c>.</summary>
    Munmap,
    /// <summary><c>mprotect</c> (with a new prot).</summary>
    Mprotect,
    /// <summary><c>madvise-dontneed</c>: <c>MADV_DONTNEED</c>.</summary>
    MadviseDontneed,
    /// <summary><c>swap-out</c>: reclaim the pages to swap.</summary>
    SwapOut,
}
