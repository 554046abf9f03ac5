using ActorKvm.Engine.Scenarios.Definition;
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
    private readonly IStepDriver _driver;
    private readonly TracingStepDriver? _tracing;
    private readonly List<Running> _active = [];
    private readonly Dictionary<int, Running> _byAct = [];
    private long _waitSeq;

    private sealed class Running(StepSpec spec, Activity act)
    {
        public StepSpec Spec { get; } = spec;
        public Activity Act { get; } = act;
        public string? PauseAt { get; set; } = spec.PauseAt;
        public bool Paused { get; set; }
        public bool PauseUsed { get; set; }
        public long WaitSeq { get; set; } = -1;
        public Wait? LastWait { get; set; }
        public bool Waiting => WaitSeq >= 0;
    }

    /// <summary>Prepares a run.</summary>
    public ScriptedRun(ScenarioDefinition scenario, ScenarioRunOptions options, IStepDriver? driver = null) : base(scenario, options)
    {
        _driver = driver ?? new ModelStepDriver();
        if (options.TracePath is not null) _driver = _tracing = new TracingStepDriver(_driver);
    }

    /// <summary>Runs the scenario and compares every expectation.</summary>
    public ScenarioOutcome Run() => RunScenario();

    /// <inheritdoc/>
    protected override IReadOnlyList<PhaseEvent>? TraceEvents => _tracing?.Trace.Events;

    /// <inheritdoc/>
    protected override void Attach(Kvm kvm) => _driver.Attach(kvm);

    /// <inheritdoc/>
    protected override void BeforeStep(StepSpec step) => Kvm!.Oracle.Context = step.Path;

    /// <inheritdoc/>
    protected override void Start(StepSpec step, int index, Activity act)
    {
        var running = new Running(step, act);
        _byAct[act.Id] = running;
        _active.Add(running);
        Advance(running);
    }

    /// <inheritdoc/>
    protected override bool Resume(ResumeStep resume, Activity target)
    {
        if (!_byAct.TryGetValue(target.Id, out var r) || !r.Paused) return false;
        r.Paused = false;
        if (resume.PauseAt is not null) { r.PauseAt = resume.PauseAt; r.PauseUsed = false; }
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
        DetectDeadlock();
    }

    /// <inheritdoc/>
    protected override void Settle()
    {
        if (_active.Any(a => a.Paused)) return; // reported as unfinished
        var stuck = _active.Where(a => a.Waiting).ToList();
        if (stuck.Count > 0) ReportDeadlock(stuck);
    }

    /// <inheritdoc/>
    protected override StepSpec? StillPaused() => _active.FirstOrDefault(a => a.Paused)?.Spec;

    /// <summary>Runs a step until it finishes, pauses or must wait.</summary>
    private void Advance(Running r)
    {
        var kvm = Kvm!;
        var context = kvm.Oracle.Context;
        kvm.Oracle.Context = r.Spec.Path;
        try
        {
            while (true)
            {
                var res = _driver.Step(r.Act);
                if (res.Status == StepStatus.Blocked)
                {
                    if (!r.Waiting) r.WaitSeq = _waitSeq++;
                    r.LastWait = res.Wait;
                    return;
                }
                r.WaitSeq = -1;
                var pauseHere = r.PauseAt is not null && r.PauseAt == res.Phase && !r.PauseUsed;
                if (pauseHere)
                {
                    r.PauseUsed = true;
                    r.Paused = true;
                    if (res.Status == StepStatus.Done) Complete(r);
                    return;
                }
                if (res.Status == StepStatus.Done)
                {
                    Complete(r);
                    return;
                }
            }
        }
        finally
        {
            kvm.Oracle.Context = context;
        }
    }

    private void Complete(Running r)
    {
        if (!r.Paused) _active.Remove(r);
        Completed(r.Spec, r.Act);
    }

    /// <summary>Lets waiting steps go on, oldest wait first, until none can.</summary>
    private void DrainWaiting()
    {
        bool progress;
        do
        {
            progress = false;
            foreach (var r in _active.Where(a => a.Waiting && !a.Paused).OrderBy(a => a.WaitSeq).ToList())
            {
                var seq = r.WaitSeq;
                Advance(r);
                if (r.WaitSeq != seq || r.Act.IsDone || r.Paused)
                {
                    progress = true;
                    break;
                }
            }
        } while (progress);
    }

    /// <summary>Reports waiting steps that wait (transitively) on each other.</summary>
    private void DetectDeadlock()
    {
        var byActId = _active.ToDictionary(a => a.Act.Id);
        foreach (var start in _active.Where(a => a.Waiting && !a.Paused))
        {
            var seen = new List<Running>();
            var cur = start;
            while (cur is { Waiting: true, Paused: false } && !seen.Contains(cur))
            {
                seen.Add(cur);
                var next = cur.LastWait?.On.Select(id => byActId.GetValueOrDefault(id)).FirstOrDefault(x => x is not null);
                if (next is null) break;
                cur = next;
            }
            if (cur is not null && seen.Contains(cur))
            {
                ReportDeadlock(seen.SkipWhile(x => x != cur).ToList());
                return;
            }
        }
    }

    private void ReportDeadlock(List<Running> cycle)
    {
        var kvm = Kvm!;
        kvm.Oracle.Report(ViolationKind.Deadlock, "steps " + string.Join(", ", cycle.Select(c => $"{c.Spec.Label} ({c.LastWait?.Reason})")) + " wait on each other");
        foreach (var c in cycle) _active.Remove(c);
    }
}
