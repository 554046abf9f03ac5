namespace ActorKvm.Stress.Cli;

/// <summary>Workload knobs <c>run --bug</c> set because the switch needs them (<see cref="Engine.Exploration.WorkloadNeed"/>).</summary>
/// <param name="Bug">The switch.</param>
/// <param name="Options">The options they amount to, as typed (<c>--mte true</c>).</param>
/// <param name="Why">Why the switch needs them.</param>
internal sealed record AppliedNeed(string Bug, string Options, string Why)
{
    /// <summary>The one-line note a run prints.</summary>
    public override string ToString() => $"{Bug} needs {Options}: {Why} (giving an option yourself keeps your value)";
}
