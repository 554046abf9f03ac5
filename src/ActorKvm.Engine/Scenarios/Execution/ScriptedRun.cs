using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// Runs one scenario on the pure model as a single-threaded scripted interleaving: each step runs until it
/// finishes, reaches its <c>pause-at</c> boundary, or must wait (lock, in-progress invalidation, SRCU,
/// <c>mn_active_invalidate_count</c>); <c>resume</c> releases a paused step, which keeps the turn; waiting steps
/// continue, in the order they started waiting, as soon as they can. The oracle runs after every step.
/// </summary>
public sealed class ScriptedRun
{
    private readonly ScenarioDefinition _sc;
    private readonly ScenarioRunOptions _options;
    private readonly IStepDriver _driver;
    private readonly List<Running> _active = [];
    private readonly Dictionary<string, Running> _byId = [];
    private int _nextId = 1;
    private long _waitSeq;
    private ScenarioFailure? _failure;

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
    public ScriptedRun(ScenarioDefinition scenario, ScenarioRunOptions options, IStepDriver? driver = null)
    {
        _sc = scenario;
        _options = options;
        _driver = driver ?? new ModelStepDriver();
        if (options.TracePath is not null) _driver = _tracing = new TracingStepDriver(_driver);
    }

    private readonly TracingStepDriver? _tracing;

    /// <summary>The VM once built.</summary>
    public Kvm? Kvm { get; private set; }

    /// <summary>Runs the scenario and compares every expectation.</summary>
    public ScenarioOutcome Run()
    {
        _failure = Setup();
        if (_failure is null) RunSteps();
        if (_failure is null) Finish();
        var violations = Kvm?.Oracle.Violations.Select(v => v.Kind.Name()).Distinct().ToList() ?? [];
        var outcome = _failure is null ? ScenarioOutcome.Pass(_sc.Name, violations)
            : _failure.Expected is not null && _failure.Actual is not null
                ? ScenarioOutcome.Mismatch(_sc.Name, _failure.KeyPath, _failure.Expected, _failure.Actual, violations)
                : ScenarioOutcome.Fail(_sc.Name, _failure.KeyPath, _failure.Message ?? "failed", violations);
        if (!outcome.Passed && Kvm is not null) outcome = outcome with { Violation = ScenarioOutcome.NameViolation(_sc, Kvm.Oracle.Violations) };
        return _tracing is null ? outcome : outcome with { Trace = _tracing.Trace.Events };
    }

    private ScenarioFailure? Setup()
    {
        (Kvm, var failure) = ScenarioVm.Build(_sc, _options, ref _nextId);
        if (failure is null) _driver.Attach(Kvm!);
        return failure;
    }

    private void RunSteps()
    {
        var kvm = Kvm!;
        foreach (var step in _sc.Steps)
        {
            kvm.Oracle.Context = step.Path;
            switch (step)
            {
                case ResumeStep r:
                    {
                        if (!_byId.TryGetValue(r.TargetId, out var target) || !target.Paused)
                        {
                            _failure = new ScenarioFailure(step.KeyPath("id"), null, null, $"step '{r.TargetId}' is not paused");
                            return;
                        }
                        target.Paused = false;
                        if (r.PauseAt is not null) { target.PauseAt = r.PauseAt; target.PauseUsed = false; }
                        Advance(target);
                        break;
                    }
                case JoinStep:
                    break; // steps already run as far as they can; waiting ones are drained below
                case CheckStep:
                    kvm.Oracle.CheckAll();
                    _failure ??= ExpectationChecker.CheckViolations(step.Expect.Violations, step.Expect.ViolationsInclude, Names(), step.Expect.KeyPath);
                    break;
                case Stage2Step s:
                    _failure ??= ExpectationChecker.CheckStage2(kvm, s);
                    break;
                default:
                    {
                        var act = StepActivities.Create(kvm, _nextId++, step);
                        if (act is null) break;
                        var running = new Running(step, act);
                        if (step.Id is not null) _byId[step.Id] = running;
                        _active.Add(running);
                        Advance(running);
                        break;
                    }
            }
            DrainWaiting();
            kvm.Oracle.Context = step.Path;
            kvm.Oracle.Check();
            DetectDeadlock();
            if (_failure is not null) return;
        }
    }

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
        _failure ??= ExpectationChecker.CheckStep(Kvm!, r.Spec, r.Act);
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

    private void Finish()
    {
        var kvm = Kvm!;
        var paused = _active.FirstOrDefault(a => a.Paused);
        if (paused is not null)
        {
            _failure = new ScenarioFailure(paused.Spec.Path, null, null, $"unfinished step {paused.Spec.Label}");
            return;
        }
        var stuck = _active.Where(a => a.Waiting).ToList();
        if (stuck.Count > 0) ReportDeadlock(stuck);
        kvm.Oracle.Context = "end";
        kvm.Oracle.CheckAll();
        var e = _sc.Expect;
        _failure = ExpectationChecker.CheckViolations(e.Violations, e.ViolationsInclude, Names(), FinalExpect.KeyPath)
            ?? ExpectationChecker.CheckFinal(kvm, e);
    }

    private List<string> Names() => Kvm!.Oracle.Violations.Select(v => v.Kind.Name()).ToList();
}
