using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// The scripted interleaving of the <see cref="ScenarioRun"/> runner (<c>actorkvm check</c>), single-threaded on the
/// model or (through <see cref="ActorStepDriver"/>) on the actors: each step runs until it
/// finishes, reaches its <c>pause-at</c> boundary, or must wait (lock, in-progress invalidation, SRCU,
/// <c>mn_active_invalidate_count</c>); <c>resume</c> releases a paused step, which keeps the turn; waiting steps
/// continue, in the order they started waiting, as soon as they can. The oracle runs after every step.
/// </summary>
public sealed class ScriptedRun : ScenarioRun
{
    private readonly ActorStepDriver? _actors;
    private readonly TraceRecorder? _trace; // check --trace: every phase driven, on its owner's track, the step count as the clock
    private long _steps;
    private readonly List<Running> _active = [];
    private readonly Dictionary<int, Running> _byAct = [];
    private ActivityScheduler? _scheduler;

    private sealed record Running(StepSpec Spec, Activity Act);

    /// <summary>Prepares a run.</summary>
    public ScriptedRun(ScenarioDefinition scenario, ScenarioRunOptions options, ActorStepDriver? actors = null) : base(scenario, options)
    {
        _actors = actors;
        if (options.TracePath is not null) _trace = new TraceRecorder(() => _steps);
    }

    /// <summary>Runs the scenario and compares every expectation.</summary>
    public ScenarioOutcome Run() => RunScenario();

    /// <inheritdoc/>
    protected override IReadOnlyList<PhaseEvent>? TraceEvents => _trace?.Events;

    /// <inheritdoc/>
    protected override void Attach(Kvm kvm)
    {
        _scheduler = new ActivityScheduler(kvm);
        _actors?.Attach(_scheduler);
    }

    /// <inheritdoc/>
    protected override void BeforeStep(StepSpec step) => Kvm!.Oracle.Context = step.Path;

    /// <inheritdoc/>
    protected override void Start(StepSpec step, int index, Activity act)
    {
        var running = new Running(step, act);
        _byAct[act.Id] = running;
        _active.Add(running);
        if (step.PauseAt is { } at) _scheduler!.PauseAt(act.Id, at);
        Advance(running);
    }

    /// <inheritdoc/>
    protected override bool Resume(ResumeStep resume, Activity target)
    {
        if (!_byAct.TryGetValue(target.Id, out var r) || !_scheduler!.Resume(target.Id, resume.PauseAt)) return false;
        Advance(r);
        return true;
    }

    /// <summary>Waiting steps go on as far as they can, then the oracle, then a look for steps waiting on each other.</summary>
    protected override void AfterStep(StepSpec step)
    {
        var kvm = Kvm!;
        DrainWaiting();
        kvm.Oracle.Context = step.Path;
        kvm.Oracle.Check();
        if (_scheduler!.FindCycle([.. _active.Select(a => a.Act.Id)]) is { } cycle) ReportDeadlock([.. cycle.Select(id => _byAct[id])]);
    }

    /// <inheritdoc/>
    protected override void Settle()
    {
        if (_active.Any(Paused)) return; // reported as unfinished
        var stuck = _active.Where(Waiting).ToList();
        if (stuck.Count > 0) ReportDeadlock(stuck);
    }

    /// <inheritdoc/>
    protected override StepSpec? StillPaused() => _active.FirstOrDefault(Paused)?.Spec;

    private bool Paused(Running r) => _scheduler!.IsPaused(r.Act.Id);

    private bool Waiting(Running r) => _scheduler!.WaitSeq(r.Act.Id) >= 0;

    /// <summary>Runs a step until it finishes, pauses (the scheduler's pause gate) or must wait.</summary>
    private void Advance(Running r)
    {
        var kvm = Kvm!;
        var context = kvm.Oracle.Context;
        kvm.Oracle.Context = r.Spec.Path;
        try
        {
            StepResult res;
            do res = Step(r.Act);
            while (res.Status == StepStatus.Progressed && !Paused(r));
            if (res.Status == StepStatus.Done) Complete(r);
        }
        finally
        {
            kvm.Oracle.Context = context;
        }
    }

    /// <summary>One phase, on the model or the actors, traced if asked (so a scenario's trace is the same on every run and both engines).</summary>
    private StepResult Step(Activity act)
    {
        var start = _steps;
        var r = _actors?.Step(act) ?? _scheduler!.Step(act).Result;
        _steps++;
        _trace?.Record(start, Owner.Of(act).Name, act, r, Kvm);
        return r;
    }

    private void Complete(Running r)
    {
        if (!Paused(r)) _active.Remove(r);
        Completed(r.Spec, r.Act);
    }

    /// <summary>
    /// Lets waiting steps go on, oldest wait first, until none can. Every waiter is retried (a retry that still waits is
    /// a <c>wait:</c> slice of the trace), not only those <see cref="ActivityScheduler.MayRun"/> names: this is the
    /// scripted interleaving's polling order, which its traces pin.
    /// </summary>
    private void DrainWaiting()
    {
        bool progress;
        do
        {
            progress = false;
            foreach (var r in _active.Where(a => Waiting(a) && !Paused(a)).OrderBy(a => _scheduler!.WaitSeq(a.Act.Id)).ToList())
            {
                var seq = _scheduler!.WaitSeq(r.Act.Id);
                Advance(r);
                if (_scheduler.WaitSeq(r.Act.Id) != seq || r.Act.IsDone || Paused(r))
                {
                    progress = true;
                    break;
                }
            }
        } while (progress);
    }

    private void ReportDeadlock(List<Running> cycle)
    {
        var kvm = Kvm!;
        kvm.Oracle.Report(ViolationKind.Deadlock, "steps " + string.Join(", ", cycle.Select(c => $"{c.Spec.Label} ({_scheduler!.WaitOf(c.Act.Id)?.Reason})")) + " wait on each other");
        foreach (var c in cycle)
        {
            _active.Remove(c);
            _scheduler!.Forget(c.Act.Id);
        }
    }
}
