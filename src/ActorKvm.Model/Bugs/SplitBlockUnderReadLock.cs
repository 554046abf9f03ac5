namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 5, <c>split-block-under-read-lock</c>: under the shared MMU lock only a same-size permission relaxation is done; structural changes need exclusive ownership.
/// </summary>
/// <remarks>Kernel fix: f587661f21eb. Where: user_mem_abort lock selection.</remarks>
public static class SplitBlockUnderReadLock
{
    /// <summary>The switch name.</summary>
    public const string Name = "split-block-under-read-lock";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(5, Name, "f587661f21eb", "I6, I3", "under the shared MMU lock only a same-size permission relaxation is done; structural changes need exclusive ownership");
}
