using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// The one scenario runner: builds the scenario's VM, walks its steps (an activity step becomes the model activity
/// that performs it; <c>check</c> and <c>stage2</c> are compared here; <c>resume</c> finds its paused step), checks
/// each step's expectations when its activity finishes, then the final expectations, and builds the outcome. What
/// it leaves to the interleaving is only when phases run: <see cref="ScriptedRun"/> (the scripted pause-at/resume
/// order on the model or the actors) and <see cref="SeededScenarioRun"/> (the deterministic dispatcher choosing every
/// delivery to the actors).
/// </summary>
public abstract class ScenarioRun
{
    private readonly ScenarioRunOptions _options;
    private readonly Dictionary<string, Activity> _byId = [];
    private int _nextId = 1;

    /// <summary>Prepares a run of <paramref name="scenario"/>.</summary>
    protected ScenarioRun(ScenarioDefinition scenario, ScenarioRunOptions options)
    {
        Scenario = scenario;
        _options = options;
    }

    /// <summary>The scenario.</summary>
    protected ScenarioDefinition Scenario { get; }

    /// <summary>The VM once built.</summary>
    public Kvm? Kvm { get; private set; }

    /// <summary>The oracle's violations of the last run, in the order reported.</summary>
    public IReadOnlyList<Violation> OracleViolations { get; private set; } = [];

    /// <summary>The first failure; the run stops at it.</summary>
    protected ScenarioFailure? Failure { get; set; }

    /// <summary>The VM is built: start the interleaving's machinery on it.</summary>
    protected abstract void Attach(Kvm kvm);

    /// <summary>Runs <paramref name="act"/>, the activity of step <paramref name="index"/>, as the interleaving lets it.</summary>
    protected abstract void Start(StepSpec step, int index, Activity act);

    /// <summary>Releases <paramref name="target"/> from its pause as <paramref name="resume"/> says; false when it is not paused.</summary>
    protected abstract bool Resume(ResumeStep resume, Activity target);

    /// <summary>A <c>join</c>: every started step finishes or pauses.</summary>
    protected virtual void Join() { }

    /// <summary>Before step <paramref name="step"/> is handled.</summary>
    protected virtual void BeforeStep(StepSpec step) { }

    /// <summary>After step <paramref name="step"/> was handled (not after a failed <c>resume</c>).</summary>
    protected virtual void AfterStep(StepSpec step) { }

    /// <summary>After the last step: run what can still run; report steps that can never finish.</summary>
    protected abstract void Settle();

    /// <summary>The first step still paused once settled, if any.</summary>
    protected abstract StepSpec? StillPaused();

    /// <summary>The run is over (its outcome's violations are taken): stop the machinery.</summary>
    protected virtual void Detach() { }

    /// <summary>The phases recorded, if the interleaving traces.</summary>
    protected abstract IReadOnlyList<PhaseEvent>? TraceEvents { get; }

    /// <summary>An activity finished: compare its step's expectations.</summary>
    protected void Completed(StepSpec step, Activity act) => Failure ??= ExpectationChecker.CheckStep(Kvm!, step, act);

    /// <summary>Runs the scenario and compares every expectation.</summary>
    protected ScenarioOutcome RunScenario()
    {
        (Kvm, Failure) = ScenarioVm.Build(Scenario, _options, ref _nextId);
        if (Failure is null)
        {
            Attach(Kvm!);
            RunSteps(Kvm!);
            if (Failure is null) Finish(Kvm!);
        }
        var kvm = Kvm;
        OracleViolations = kvm?.Oracle.Violations.ToList() ?? [];
        var violations = OracleViolations.Select(v => v.Kind.Name()).Distinct().ToList();
        if (kvm is not null) Detach();
        var f = Failure;
        var outcome = f is null ? ScenarioOutcome.Pass(Scenario.Name, violations)
            : f.Expected is not null && f.Actual is not null
                ? ScenarioOutcome.Mismatch(Scenario.Name, f.KeyPath, f.Expected, f.Actual, violations)
                : ScenarioOutcome.Fail(Scenario.Name, f.KeyPath, f.Message ?? "failed", violations);
        if (!outcome.Passed && kvm is not null) outcome = outcome with { Violation = ScenarioOutcome.NameViolation(Scenario, kvm.Oracle.Violations) };
        return TraceEvents is { } events ? outcome with { Trace = events } : outcome;
    }

    private void RunSteps(Kvm kvm)
    {
        for (var index = 0; index < Scenario.Steps.Count; index++)
        {
            var step = Scenario.Steps[index];
            BeforeStep(step);
            switch (step)
            {
                case ResumeStep r:
                    if (!_byId.TryGetValue(r.TargetId, out var target) || !Resume(r, target))
                    {
                        Failure = new ScenarioFailure(step.KeyPath("id"), null, null, $"step '{r.TargetId}' is not paused");
                        return;
                    }
                    break;
                case JoinStep:
                    Join();
                    break;
                case CheckStep:
                    kvm.Oracle.CheckAll();
                    Failure ??= ExpectationChecker.CheckViolations(step.Expect.Violations, step.Expect.ViolationsInclude, Names(kvm), step.Expect.KeyPath);
                    break;
                case Stage2Step s:
                    Failure ??= ExpectationChecker.CheckStage2(kvm, s);
                    break;
                default:
                    {
                        Activity? act;
                        try
                        {
                            act = step.CreateActivity(kvm, _nextId++);
                        }
                        catch (NotSupportedException e)
                        {
                            Failure = new ScenarioFailure(step.Path, null, null, e.Message);
                            return;
                        }
                        if (act is null) break;
                        if (step.Id is not null) _byId[step.Id] = act;
                        Start(step, index, act);
                        break;
                    }
            }
            AfterStep(step);
            if (Failure is not null) return;
        }
    }

    private void Finish(Kvm kvm)
    {
        Settle();
        if (Failure is not null) return;
        if (StillPaused() is { } paused)
        {
            Failure = new ScenarioFailure(paused.Path, null, null, $"unfinished step {paused.Label}");
            return;
        }
        kvm.Oracle.Context = "end";
        kvm.Oracle.CheckScenarioEnd();
        var e = Scenario.Expect;
        Failure = ExpectationChecker.CheckViolations(e.Violations, e.ViolationsInclude, Names(kvm), FinalExpect.KeyPath)
            ?? ExpectationChecker.CheckFinal(kvm, e);
    }

    private static List<string> Names(Kvm kvm) => kvm.Oracle.Violations.Select(v => v.Kind.Name()).ToList();
}
