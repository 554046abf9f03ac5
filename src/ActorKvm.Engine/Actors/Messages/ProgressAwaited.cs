namespace ActorKvm.Engine.Actors.Messages;

/// <summary>
/// A worker has activities that wait for another activity to finish (SRCU, an invalidation in progress,
/// <c>mn_active_invalidate_count</c>); <paramref name="SeenEpoch"/> is the progress epoch it saw when it blocked,
/// so a completion that raced ahead of this message still wakes it.
/// </summary>
public sealed record ProgressAwaited(long SeenEpoch);
