using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// Runs a scenario on the actor engine with the deterministic dispatcher choosing the interleaving
/// (<c>actorkvm run SCENARIO --seed N</c>; scenario-format.md "Seeded runs"): a step with <c>async = true</c> is started
/// — sent to its actor — without waiting; any other step is started and then driven until it finishes, while the
/// started ones keep running; <c>join</c> drives until every started step has finished (so does the end of the
/// scenario). At every delivery the seeded strategy picks which actor runs next, so the same seed gives the same
/// trace byte for byte. Expectations are checked as <c>check</c> does, each step's when it finishes.
/// <c>pause-at</c> / <c>resume</c> script one interleaving by hand and belong to <c>check</c>.
/// </summary>
public sealed class SeededScenarioRun
{
    /// <summary>Deliveries allowed to one scenario: far beyond any scripted scenario, short of a livelock.</summary>
    private const long DeliveryBound = 5_000_000;

    private readonly ScenarioDefinition _sc;
    private readonly ScenarioRunOptions _options;
    private readonly List<(StepSpec Spec, Activity Act)> _started = [];
    private ScenarioFailure? _failure;
    private int _nextId = 1;

    /// <summary>Prepares a run of <paramref name="scenario"/>.</summary>
    public SeededScenarioRun(ScenarioDefinition scenario, ScenarioRunOptions options)
    {
        _sc = scenario;
        _options = options;
    }

    /// <summary>
    /// The steps this runner cannot run (a <c>pause-at</c> or <c>resume</c>), as a failure naming the first; null when
    /// it can run them all.
    /// </summary>
    public static ScenarioFailure? Unsupported(ScenarioDefinition scenario) =>
        scenario.Steps.FirstOrDefault(s => s is ResumeStep || s.PauseAt is not null) is { } s
            ? new ScenarioFailure(s is ResumeStep ? s.Path : s.KeyPath("pause-at"), null, null,
                "pause-at/resume script the interleaving by hand: run it with check (run SCENARIO leaves the order to the seed)")
            : null;

    /// <summary>Runs the scenario on <paramref name="det"/> with <paramref name="strategy"/> choosing every delivery.</summary>
    public ScenarioOutcome Run(DeterministicSystem det, ISchedulingStrategy strategy)
    {
        var executor = det.Executor;
        var origin = executor.Steps;
        var trace = new TraceRecorder(() => executor.Steps - origin);
        var (kvm, failure) = ScenarioVm.Build(_sc, _options, ref _nextId);
        _failure = failure ?? Unsupported(_sc);
        IActorRef? vm = null;
        if (_failure is null)
        {
            vm = det.Spawn(VmActor.Props(kvm!, trace), "vm");
            origin = executor.Steps;
            RunSteps(det, strategy, kvm!, vm);
            if (_failure is null) Finish(det, strategy, kvm!);
        }
        var violations = kvm?.Oracle.Violations.Select(v => v.Kind.Name()).Distinct().ToList() ?? [];
        if (vm is not null) det.StopAndDrain(vm);
        var outcome = _failure is null ? ScenarioOutcome.Pass(_sc.Name, violations)
            : _failure.Expected is not null && _failure.Actual is not null
                ? ScenarioOutcome.Mismatch(_sc.Name, _failure.KeyPath, _failure.Expected, _failure.Actual, violations)
                : ScenarioOutcome.Fail(_sc.Name, _failure.KeyPath, _failure.Message ?? "failed", violations);
        return outcome with { Trace = trace.Events };
    }

    private void RunSteps(DeterministicSystem det, ISchedulingStrategy strategy, Kvm kvm, IActorRef vm)
    {
        foreach (var step in _sc.Steps)
        {
            switch (step)
            {
                case JoinStep:
                    DriveUntil(det, strategy, kvm, () => _started.Count == 0);
                    break;
                case CheckStep:
                    kvm.Oracle.CheckAll();
                    _failure ??= ExpectationChecker.CheckViolations(step.Expect.Violations, step.Expect.ViolationsInclude, Names(kvm), step.Expect.KeyPath);
                    break;
                case Stage2Step s:
                    _failure ??= ExpectationChecker.CheckStage2(kvm, s);
                    break;
                default:
                    {
                        Activity? act;
                        try
                        {
                            act = StepActivities.Create(kvm, _nextId++, step);
                        }
                        catch (NotSupportedException e)
                        {
                            _failure = new ScenarioFailure(step.Path, null, null, e.Message);
                            return;
                        }
                        if (act is null) break;
                        _started.Add((step, act));
                        vm.Tell(new RunRequested(act, ActorRefs.Nobody), ActorRefs.NoSender);
                        if (!step.Async) DriveUntil(det, strategy, kvm, () => act.IsDone);
                        break;
                    }
            }
            if (_failure is not null) return;
        }
    }

    /// <summary>
    /// Delivers messages as <paramref name="strategy"/> picks until <paramref name="done"/> holds; each step's
    /// expectations are checked right after the delivery that finished it. Quiescence first means the started steps
    /// wait on each other (a deadlock).
    /// </summary>
    private void DriveUntil(DeterministicSystem det, ISchedulingStrategy strategy, Kvm kvm, Func<bool> done)
    {
        det.Drive(strategy, maxSteps: DeliveryBound, stop: () =>
        {
            for (var i = 0; i < _started.Count; i++)
            {
                var (spec, act) = _started[i];
                if (!act.IsDone) continue;
                _started.RemoveAt(i--);
                _failure ??= ExpectationChecker.CheckStep(kvm, spec, act);
            }
            return _failure is not null || done();
        });
        if (_failure is null && !done())
        {
            var stuck = string.Join(", ", _started.Select(s => s.Spec.Label));
            if (det.Executor.Runnable > 0) _failure = new ScenarioFailure(_started[0].Spec.Path, null, null, $"steps {stuck} did not finish within {DeliveryBound} deliveries");
            else
            {
                kvm.Oracle.Report(ViolationKind.Deadlock, $"steps {stuck} wait on each other");
                _started.Clear();
            }
        }
    }

    private void Finish(DeterministicSystem det, ISchedulingStrategy strategy, Kvm kvm)
    {
        DriveUntil(det, strategy, kvm, () => _started.Count == 0);
        if (_failure is not null) return;
        kvm.Oracle.Context = "end";
        kvm.Oracle.CheckAll();
        var e = _sc.Expect;
        _failure = ExpectationChecker.CheckViolations(e.Violations, e.ViolationsInclude, Names(kvm), FinalExpect.KeyPath)
            ?? ExpectationChecker.CheckFinal(kvm, e);
    }

    private static List<string> Names(Kvm kvm) => kvm.Oracle.Violations.Select(v => v.Kind.Name()).ToList();
}
