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
public sealed class SeededScenarioRun : ScenarioRun
{
    /// <summary>Deliveries allowed to one scenario: far beyond any scripted scenario, short of a livelock.</summary>
    private const long DeliveryBound = 5_000_000;

    private readonly List<(StepSpec Spec, Activity Act)> _started = [];
    private readonly HashSet<int> _paused = []; // activity ids, filled by the pause listener's deliveries
    private readonly Dictionary<int, int> _stepOf = [];
    private DeterministicSystem? _det;
    private ISchedulingStrategy? _strategy;
    private IActorRef? _pauseListener;
    private IActorRef? _vm;
    private Action? _traceFromHere;

    /// <summary>Prepares a run of <paramref name="scenario"/>.</summary>
    public SeededScenarioRun(ScenarioDefinition scenario, ScenarioRunOptions options) : base(scenario, options) { }

    /// <summary>
    /// Asked before every delivery: true ends the run at once, as a failure (an explorer abandons a schedule it has
    /// already covered). Null: never.
    /// </summary>
    public Func<bool>? Abandon { get; init; }

    /// <summary>Which step (index into the scenario's steps) each started activity performs, by activity id.</summary>
    public IReadOnlyDictionary<int, int> StepOfActivity => _stepOf;

    /// <summary>The trace of the run in progress (or of the last run): what an explorer's <see cref="Abandon"/> reads.</summary>
    public TraceRecorder? Trace { get; private set; }

    /// <summary>Runs the scenario on <paramref name="det"/> with <paramref name="strategy"/> choosing every delivery.</summary>
    public ScenarioOutcome Run(DeterministicSystem det, ISchedulingStrategy strategy)
    {
        var executor = det.Executor;
        var origin = executor.Steps;
        Trace = new TraceRecorder(() => executor.Steps - origin);
        _traceFromHere = () => origin = executor.Steps;
        (_det, _strategy) = (det, strategy);
        return RunScenario();
    }

    /// <inheritdoc/>
    protected override IReadOnlyList<PhaseEvent>? TraceEvents => Trace?.Events;

    /// <inheritdoc/>
    protected override void Attach(Kvm kvm)
    {
        // Only a scenario that pauses has a listener: the others keep their actors, and so their traces.
        if (Scenario.Steps.Any(st => st.PauseAt is not null)) _pauseListener = _det!.Spawn(Props.Create(() => new PauseListener(_paused)), "pauses");
        _vm = _det!.Spawn(VmActor.Props(kvm, Trace), "vm");
        _traceFromHere!();
    }

    /// <inheritdoc/>
    protected override void Start(StepSpec step, int index, Activity act)
    {
        _started.Add((step, act));
        _stepOf[act.Id] = index;
        _vm!.Tell(new RunRequested(act, step.PauseAt is null ? ActorRefs.Nobody : _pauseListener!, step.PauseAt), ActorRefs.NoSender);
        if (!step.Async) DriveUntil(StepsSettled);
    }

    /// <inheritdoc/>
    protected override bool Resume(ResumeStep resume, Activity target)
    {
        if (!_paused.Remove(target.Id)) return false;
        _vm!.Tell(new ResumeRequested(target, resume.PauseAt), ActorRefs.NoSender);
        if (!resume.Async) DriveUntil(StepsSettled);
        return true;
    }

    /// <inheritdoc/>
    protected override void Join() => DriveUntil(Settled);

    /// <inheritdoc/>
    protected override void Settle() => DriveUntil(Settled);

    /// <inheritdoc/>
    protected override StepSpec? StillPaused() => _started.Where(s => _paused.Contains(s.Act.Id)).Select(s => s.Spec).FirstOrDefault();

    /// <inheritdoc/>
    protected override void Detach()
    {
        if (_vm is not null) _det!.StopAndDrain(_vm);
        if (_pauseListener is not null) _det!.StopAndDrain(_pauseListener);
    }

    /// <summary>
    /// Delivers messages as the strategy picks until <paramref name="done"/> holds; each step's
    /// expectations are checked right after the delivery that finished it. Quiescence first means the started steps
    /// wait on each other (a deadlock).
    /// </summary>
    private void DriveUntil(Func<bool> done)
    {
        var kvm = Kvm!;
        _det!.Drive(_strategy!, maxSteps: DeliveryBound, stop: () =>
        {
            if (Abandon?.Invoke() == true)
            {
                Failure ??= new ScenarioFailure("", null, null, "abandoned by the explorer");
                return true;
            }
            for (var i = 0; i < _started.Count; i++)
            {
                var (spec, act) = _started[i];
                if (!act.IsDone) continue;
                _started.RemoveAt(i--);
                Completed(spec, act);
            }
            return Failure is not null || done();
        });
        if (Failure is null && !done())
        {
            var stuck = string.Join(", ", _started.Select(s => s.Spec.Label));
            if (_det.Executor.Runnable > 0) Failure = new ScenarioFailure(_started[0].Spec.Path, null, null, $"steps {stuck} did not finish within {DeliveryBound} deliveries");
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
