namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>The first expectation that did not hold, as one FAIL line reports it.</summary>
/// <param name="KeyPath">e.g. <c>steps[4].expect.faults</c>.</param>
/// <param name="Expected">What the scenario expected (null for a plain message).</param>
/// <param name="Actual">What happened.</param>
/// <param name="Message">A message when there is no expected/actual pair.</param>
public sealed record ScenarioFailure(string KeyPath, string? Expected, string? Actual, string? Message = null);
