namespace ActorKvm.Engine.Actors.Messages;

/// <summary>The VM moved to a fresh model: forget every activity (and waiter) of the old one.</summary>
public sealed record ActivitiesAbandoned
{
    /// <summary>The one instance.</summary>
    public static ActivitiesAbandoned Instance { get; } = new();
}
