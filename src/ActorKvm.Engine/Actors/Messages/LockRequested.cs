using ActorKvm.Model.Locking;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>A holder queued for <c>mmu_lock</c> in <paramref name="Mode"/> and wants to hear when it may take it.</summary>
public sealed record LockRequested(int Holder, LockMode Mode);
