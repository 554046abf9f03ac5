using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>A self-driven activity stopped after <paramref name="Phase"/>, its <c>pause-at</c>, and waits for <see cref="ResumeRequested"/>.</summary>
public sealed record ActivityPaused(Activity Activity, string Phase);
