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
/// A step with <c>pause-at</c> is driven until it completes that phase (or finishes) and then gets no deliveries until its
/// <c>resume</c>, which is driven like a step; a step that must wait for a paused one waits (the scenario goes on), as in
/// <c>check</c>, and a step still paused at the end is <c>unfinished</c>. So a scripted scenario runs here too, its paused
/// interleaving forced and everything else ordered by the seed.
/// </summary>
public sealed class SeededScenarioRun
{
    /// <summary>Deliveries allowed to one scenario: far beyond any scripted scenario, short of a livelock.</summary>
    private const long DeliveryBound = 5_000_000;

    private readonly ScenarioDefinition _sc;
    private readonly ScenarioRunOptions _options;
    private readonly List<(StepSpec Spec, Activity Act)> _started = [];
    private readonly Dictionary<string, Activity> _byId = [];
    private readonly HashSet<int> _paused = []; // activity ids, filled by the pause listener's deliveries
    private IActorRef? _pauseListener;
    private ScenarioFailure? _failure;
    private int _nextId = 1;

    /// <summary>Prepares a run of <paramref name="scenario"/>.</summary>
    public SeededScenarioRun(ScenarioDefinition scenario, ScenarioRunOptions options)
    {
        _sc = scenario;
        _options = options;
    }

    /// <summary>
    /// Asked before every delivery: true ends the run at once, as a failure (an explorer abandons a schedule it has
    /// already covered). Null: never.
    /// </summary>
    public Func<bool>? Abandon { get; init; }

    /// <summary>Which step (index into the scenario's steps) each started activity performs, by activity id.</summary>
    public IReadOnlyDictionary<int, int> StepOfActivity => _stepOf;

    /// <summary>The oracle's violations of the last run, in the order reported.</summary>
    public IReadOnlyList<Violation> OracleViolations { get; private set; } = [];

    private readonly Dictionary<int, int> _stepOf = [];

    /// <summary>The trace of the run in progress (or of the last run): what an explorer's <see cref="Abandon"/> reads.</summary>
    public TraceRecorder? Trace { get; private set; }

    /// <summary>Runs the scenario on <paramref name="det"/> with <paramref name="strategy"/> choosing every delivery.</summary>
    public ScenarioOutcome Run(DeterministicSystem det, ISchedulingStrategy strategy)
    {
        var executor = det.Executor;
        var origin = executor.Steps;
        var trace = new TraceRecorder(() => executor.Steps - origin);
        Trace = trace;
        var (kvm, failure) = ScenarioVm.Build(_sc, _options, ref _nextId);
        _failure = failure;
        IActorRef? vm = null;
        if (_failure is null)
        {
            // Only a scenario that pauses has a listener: the others keep their actors, and so their traces.
            if (_sc.Steps.Any(st => st.PauseAt is not null)) _pauseListener = det.Spawn(Props.Create(() => new PauseListener(_paused)), "pauses");
            vm = det.Spawn(VmActor.Props(kvm!, trace), "vm");
            origin = executor.Steps;
            RunSteps(det, strategy, kvm!, vm);
            if (_failure is null) Finish(det, strategy, kvm!);
        }
        OracleViolations = kvm?.Oracle.Violations.ToList() ?? [];
        var violations = kvm?.Oracle.Violations.Select(v => v.Kind.Name()).Distinct().ToList() ?? [];
        if (vm is not null) det.StopAndDrain(vm);
        if (_pauseListener is not null) det.StopAndDrain(_pauseListener);
        var outcome = _failure is null ? ScenarioOutcome.Pass(_sc.Name, violations)
            : _failure.Expected is not null && _failure.Actual is not null
                ? ScenarioOutcome.Mismatch(_sc.Name, _failure.KeyPath, _failure.Expected, _failure.Actual, violations)
                : ScenarioOutcome.Fail(_sc.Name, _failure.KeyPath, _failure.Message ?? "failed", violations);
        if (!outcome.Passed && kvm is not null) outcome = outcome with { Violation = ScenarioOutcome.NameViolation(_sc, kvm.Oracle.Violations) };
        return outcome with { Trace = trace.Events };
    }

    private void RunSteps(DeterministicSystem det, ISchedulingStrategy strategy, Kvm kvm, IActorRef vm)
    {
        for (var index = 0; index < _sc.Steps.Count; index++)
        {
            var step = _sc.Steps[index];
            switch (step)
            {
                case JoinStep:
                    DriveUntil(det, strategy, kvm, Settled);
                    break;
                case ResumeStep r:
                    {
                        if (!_byId.TryGetValue(r.TargetId, out var target) || !_paused.Remove(target.Id))
                        {
                            _failure = new ScenarioFailure(step.KeyPath("id"), null, null, $"step '{r.TargetId}' is not paused");
                            return;
                        }
                        vm.Tell(new ResumeRequested(target, r.PauseAt), ActorRefs.NoSender);
                        if (!step.Async) DriveUntil(det, strategy, kvm, StepsSettled);
                        break;
                    }
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
                        _stepOf[act.Id] = index;
                        if (step.Id is not null) _byId[step.Id] = act;
                        vm.Tell(new RunRequested(act, step.PauseAt is null ? ActorRefs.Nobody : _pauseListener!, step.PauseAt), ActorRefs.NoSender);
                        if (!step.Async) DriveUntil(det, strategy, kvm, StepsSettled);
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
            if (Abandon?.Invoke() == true)
            {
                _failure ??= new ScenarioFailure("", null, null, "abandoned by the explorer");
                return true;
            }
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
            else if (_paused.Count > 0) { } // they wait for a paused step: the scenario goes on, its resume lets them finish
            else
            {
                kvm.Oracle.Report(ViolationKind.Deadlock, $"steps {stuck} wait on each other");
                _started.Clear();
            }
        }
    }

    /// <summary>Every started step has finished or is paused.</summary>
    private bool Settled() => _started.All(s => _paused.Contains(s.Act.Id));

    /// <summary>
    /// Every started step that is not <c>async</c> has finished or is paused: one that had to wait for a paused step is
    /// driven on after each later step until it finishes, as <c>check</c> lets waiting steps continue.
    /// </summary>
    private bool StepsSettled() => _started.All(s => s.Spec.Async || _paused.Contains(s.Act.Id));

    private void Finish(DeterministicSystem det, ISchedulingStrategy strategy, Kvm kvm)
    {
        DriveUntil(det, strategy, kvm, Settled);
        if (_failure is not null) return;
        if (_started.Where(s => _paused.Contains(s.Act.Id)).Select(s => s.Spec).FirstOrDefault() is { } paused)
        {
            _failure = new ScenarioFailure(paused.Path, null, null, $"unfinished step {paused.Label}");
            return;
        }
        kvm.Oracle.Context = "end";
        kvm.Oracle.CheckAll();
        var e = _sc.Expect;
        _failure = ExpectationChecker.CheckViolations(e.Violations, e.ViolationsInclude, Names(kvm), FinalExpect.KeyPath)
            ?? ExpectationChecker.CheckFinal(kvm, e);
    }

    private static List<string> Names(Kvm kvm) => kvm.Oracle.Violations.Select(v => v.Kind.Name()).ToList();

    /// <summary>Hears <see cref="ActivityPaused"/> for the runner (on the driver's thread, like every delivery).</summary>
    private sealed class PauseListener : ReceiveActor
    {
        public PauseListener(HashSet<int> paused) => Receive<ActivityPaused>(p =>
        {
            DeliveryObservers.Current?.Touched(ModelAccess.Write); // the runner's stop conditions read the paused set
            paused.Add(p.Activity.Id);
        });
    }
}
