namespace ActorKvm.Engine.Actors.Messages;

/// <summary>Some activity finished: waiters should look again.</summary>
public sealed record ProgressMade
{
    /// <summary>The one instance (it carries nothing, so it is never allocated per message).</summary>
    public static ProgressMade Instance { get; } = new();
}
