namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// The engines that can run scenarios, by CLI name (<c>--engine model|actors</c>). An engine registers a
/// factory once at start-up, e.g. from a module initializer in its own file:
/// <code>[ModuleInitializer] internal static void Register() => ScenarioExecutors.Model ??= () => new ModelScenarioExecutor();</code>
/// </summary>
public static class ScenarioExecutors
{
    /// <summary>Name of the pure-model engine (the default).</summary>
    public const string ModelEngine = "model";

    /// <summary>Name of the actor engine.</summary>
    public const string ActorsEngine = "actors";

    /// <summary>The engine names the CLI accepts, default first.</summary>
    public static IReadOnlyList<string> EngineNames { get; } = [ModelEngine, ActorsEngine];

    /// <summary>Factory of the pure-model executor; null until that engine registers.</summary>
    public static Func<IScenarioExecutor>? Model { get; set; } = () => new ModelScenarioExecutor();

    /// <summary>Factory of the actor-engine executor; null until that engine registers.</summary>
    public static Func<IScenarioExecutor>? Actors { get; set; } = () => new ActorScenarioExecutor();

    /// <summary>The registered factory for <paramref name="engine"/>, or null when unknown or not registered yet.</summary>
    public static Func<IScenarioExecutor>? Find(string engine) => engine switch
    {
        ModelEngine => Model,
        ActorsEngine => Actors,
        _ => null,
    };
}
