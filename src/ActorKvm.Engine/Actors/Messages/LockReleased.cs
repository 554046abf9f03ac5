namespace ActorKvm.Engine.Actors.Messages;

/// <summary>A holder dropped <c>mmu_lock</c>; the lock actor tells the next eligible waiters.</summary>
public sealed record LockReleased(int Holder);
