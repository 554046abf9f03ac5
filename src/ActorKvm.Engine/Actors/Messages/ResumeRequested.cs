using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>Lets a paused activity run on (a scenario's <c>resume</c>): to completion, or to <paramref name="PauseAt"/> if given.</summary>
public sealed record ResumeRequested(Activity Activity, string? PauseAt = null);
