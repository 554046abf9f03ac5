namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>The engines that can run scenarios, by CLI name (<c>--engine model|actors</c>).</summary>
public static class ScenarioExecutors
{
    /// <summary>Name of the pure-model engine (the default).</summary>
    public const string ModelEngine = "model";

    /// <summary>Name of the actor engine.</summary>
    public const string ActorsEngine = "actors";

    /// <summary>The engine names the CLI accepts, default first.</summary>
    public static IReadOnlyList<string> EngineNames { get; } = [ModelEngine, ActorsEngine];

    /// <summary>The executor factory of <paramref name="engine"/>, or null when unknown.</summary>
    public static Func<IScenarioExecutor>? Find(string engine) => engine switch
    {
        ModelEngine => () => new ModelScenarioExecutor(),
        ActorsEngine => () => new ActorScenarioExecutor(),
        _ => null,
    };
}
