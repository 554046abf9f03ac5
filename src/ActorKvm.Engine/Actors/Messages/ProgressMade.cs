namespace ActorKvm.Engine.Actors.Messages;

/// <summary>Some activity finished: waiters should look again.</summary>
public sealed record ProgressMade;
