namespace ActorKvm.Model.Bugs;

/// <summary>
/// One entry of the bug catalog (<c>docs/bug-catalog.md</c>), declared whole by the switch's own file under <c>Bugs/</c>
/// (its static <c>Switch</c>): the name, the fix, the rule, the violation it produces, what the workload needs and, if
/// no faithful workload reaches it, why.
/// </summary>
/// <param name="Number">The catalog entry number (1-based, catalog order).</param>
/// <param name="Name">The switch name (scenario <c>bugs = [...]</c>, <c>--bug</c>).</param>
/// <param name="KernelFix">The fixing commit id(s) as in the catalog, or "unknown".</param>
/// <param name="Invariant">The invariant(s) the bug breaks (I1..I6, P1, P2, R1).</param>
/// <param name="Rule">The rule the fix restored, in one line.</param>
/// <param name="NotModelled">Null when the switch re-introduces the bug in the model; else why it cannot (yet) be reproduced faithfully.</param>
/// <param name="Produces">The typed violation the oracle reports when the switch's race happens (every modelled switch has one).</param>
/// <param name="Needs">What the stress workload must do before a run can show it; null: the default run does.</param>
/// <param name="Unreachable">Why no faithful running workload reaches it (a hunt that misses it says so); null: one does.</param>
public sealed record BugSwitch(int Number, string Name, string KernelFix, string Invariant, string Rule, string? NotModelled = null,
    Oracle.ViolationKind? Produces = null, BugNeeds? Needs = null, string? Unreachable = null)
{
    /// <summary>True when turning the switch on changes the model.</summary>
    public bool Modelled => NotModelled is null;
}
