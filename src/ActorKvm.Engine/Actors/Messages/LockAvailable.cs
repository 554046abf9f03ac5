namespace ActorKvm.Engine.Actors.Messages;

/// <summary>The lock actor's grant: <paramref name="Holder"/> is first in line and may take <c>mmu_lock</c> now.</summary>
public sealed record LockAvailable(int Holder);
