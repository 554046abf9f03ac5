using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Vm;
using ActorKvm.Timing.Costs;
using ActorKvm.Timing.Report;

namespace ActorKvm.Timing.Machine;

/// <summary>
/// Modelled time: a discrete-event interleaving of the pure model's activities on virtual CPUs. Each step of an activity
/// (<see cref="Activity.Step"/>, the same stepping every engine uses) is charged its cost (<see cref="StepCharges"/>) on
/// the CPU that ran it; the next step is always the one of the CPU with the smallest clock, ties broken by the seed.
/// A step that must wait (mmu_lock, SRCU, an invalidation in progress) holds its CPU: the clock stands still and the
/// CPU runs again, at the time a step of one of the activities it waits for ends, when that step may have released it.
/// So a run depends only on the seed, the costs and the workload, never on the host machine.
/// </summary>
public sealed class ModelledMachine
{
    private readonly List<VirtualCpu> _cpus = [];
    private readonly SplitMix64 _ties;
    private readonly List<VirtualCpu> _tied = [];
    private int _nextId = 1;

    /// <summary>A machine for <paramref name="kvm"/>; <paramref name="seed"/> breaks ties between equal clocks.</summary>
    public ModelledMachine(Kvm kvm, ModelledCosts costs, ulong seed, ModelledTrace? trace = null)
    {
        Kvm = kvm;
        Costs = costs;
        Trace = trace;
        _ties = new SplitMix64(seed ^ 0x6D6F64656C6C6564UL);
        Observer = new CountingObserver(kvm.Pgt.Observer);
        kvm.Pgt.Observer = Observer;
        Charges = new StepCharges(this, new SplitMix64(seed ^ 0x7068617365766172UL));
    }

    /// <summary>The VM.</summary>
    public Kvm Kvm { get; }
    /// <summary>The costs.</summary>
    public ModelledCosts Costs { get; }
    /// <summary>What was measured so far.</summary>
    public ModelledMetrics Metrics { get; } = new();
    /// <summary>The trace being recorded, if any.</summary>
    public ModelledTrace? Trace { get; }
    /// <summary>The CPUs, vCPUs first.</summary>
    public IReadOnlyList<VirtualCpu> Cpus => _cpus;

    internal CountingObserver Observer { get; }
    internal SharedResources Shared { get; } = new();
    internal StepCharges Charges { get; }

    /// <summary>The latest clock of any CPU: the modelled time now.</summary>
    public double Now => _cpus.Count == 0 ? 0 : _cpus.Max(c => c.Clock);

    /// <summary>Adds a CPU.</summary>
    public VirtualCpu AddCpu(string name, bool isVcpu)
    {
        var cpu = new VirtualCpu(_cpus.Count, name, isVcpu);
        _cpus.Add(cpu);
        return cpu;
    }

    /// <summary>A fresh activity id (also the mmu_lock holder id), unique in this VM.</summary>
    public int NextId() => _nextId++;

    /// <summary>Ids handed out start after <paramref name="used"/> (ids the set-up already used).</summary>
    public void ReserveIds(int used) => _nextId = Math.Max(_nextId, used + 1);

    /// <summary>
    /// Runs one segment: every CPU of <paramref name="programs"/> starts its program at the same instant (the latest clock
    /// of all CPUs: a barrier), and the segment ends when every program finished. Returns (start, end) in ns.
    /// </summary>
    /// <exception cref="InvalidOperationException">The activities wait on each other and none can go on (a model deadlock).</exception>
    public (double Start, double End) RunSegment(IReadOnlyList<(VirtualCpu Cpu, ICpuProgram Program)> programs)
    {
        var start = Now;
        foreach (var (cpu, program) in programs)
        {
            cpu.Clock = start;
            cpu.SegmentStart = start;
            cpu.Program = program;
            cpu.Finished = false;
        }
        while (Pick() is { } cpu) Advance(cpu);
        var stuck = _cpus.Where(c => !c.Finished).ToList();
        if (stuck.Count > 0)
            throw new InvalidOperationException("modelled run deadlocked: " + string.Join("; ", stuck.Select(c => $"{c.Name} waits for {c.Wait?.Reason ?? "?"}")));
        var end = programs.Count == 0 ? start : programs.Max(p => p.Cpu.Clock);
        foreach (var (cpu, _) in programs) cpu.BusySpan += cpu.Clock - start;
        return (start, end);
    }

    /// <summary>The runnable CPU with the smallest clock; ties by the seed.</summary>
    private VirtualCpu? Pick()
    {
        _tied.Clear();
        var best = double.MaxValue;
        foreach (var c in _cpus)
        {
            if (c.Finished || c.Waiting) continue;
            if (c.Clock < best)
            {
                best = c.Clock;
                _tied.Clear();
            }
            if (c.Clock == best) _tied.Add(c);
        }
        return _tied.Count switch { 0 => null, 1 => _tied[0], _ => _tied[_ties.Below(_tied.Count)] };
    }

    private void Advance(VirtualCpu cpu)
    {
        if (cpu.Current is null)
        {
            var work = cpu.Program!.Next(this, cpu);
            if (work.IsFinished)
            {
                cpu.Finished = true;
                return;
            }
            if (work.Activity is null)
            {
                Metrics.Accesses += work.Accesses;
                Trace?.Add(new ModelledSlice(cpu.Clock, work.BusyNs, cpu.Name, 0, "guest", "guest"));
                cpu.Clock += work.BusyNs;
                return;
            }
            cpu.Current = work.Activity;
            cpu.ActivityStart = cpu.Clock;
        }
        Step(cpu, cpu.Current);
    }

    private void Step(VirtualCpu cpu, Activity act)
    {
        var start = cpu.Clock;
        var before = Charges.Before(act);
        var r = act.Step();
        Metrics.Steps++;
        Metrics.Mix(cpu.Index, r.Status == StepStatus.Blocked ? r.Wait?.Reason : r.Phase, (int)r.Status);
        if (r.Status == StepStatus.Blocked)
        {
            cpu.Waiting = true;
            cpu.WaitSince ??= start;
            cpu.Wait = r.Wait;
            return;
        }
        var spun = cpu.Wait?.For == WaitFor.MmuLock;
        if (cpu.WaitSince is { } since)
        {
            var what = ModelledMetrics.Category(cpu.Wait?.Reason ?? "?");
            Metrics.Waited(what, start - since);
            if (start > since) Trace?.Add(new ModelledSlice(since, start - since, cpu.Name, act.Id, "wait", what));
            cpu.WaitSince = null;
            cpu.Wait = null;
        }
        var (end, release) = Charges.Charge(cpu, act, r, before, start, spun);
        cpu.Clock = end;
        Trace?.Add(new ModelledSlice(start, end - start, cpu.Name, act.Id, act.GetType().Name, r.Phase ?? "done"));
        if (act is GuestAccess && r.Phase == "complete") Metrics.Result(FaultResultName(act));
        if (act.IsDone)
        {
            cpu.Current = null;
            if (act is GuestAccess g)
            {
                Metrics.Accesses++;
                if (g.Faults.Count > 0)
                {
                    Metrics.Faults += g.Faults.Count;
                    cpu.Faults += g.Faults.Count;
                    Metrics.Latency(end - cpu.ActivityStart);
                }
            }
            cpu.Program!.Completed(this, cpu, act);
        }
        Wake(act.Id, release);
    }

    private static string FaultResultName(Activity act) =>
        act is GuestAccess g ? g.Handler.Result.ToString().ToLowerInvariant() : "none";

    /// <summary>CPUs waiting for <paramref name="id"/> (or for anyone) may try again at <paramref name="at"/>.</summary>
    private void Wake(int id, double at)
    {
        foreach (var c in _cpus)
        {
            if (!c.Waiting) continue;
            var on = c.Wait?.On;
            if (on is { Count: > 0 } && !on.Contains(id)) continue;
            c.Waiting = false;
            if (c.Clock < at) c.Clock = at;
        }
    }

    /// <summary>
    /// Whether <paramref name="count"/> accesses from <paramref name="gpa"/> on, <paramref name="stride"/> apart, are all
    /// permitted by stage 2 without a fault (the same leaf: one walk answers for all). Returns how many of them are (from
    /// the first on, at most <paramref name="count"/>); 0 means the first one faults and must run as a
    /// <see cref="GuestAccess"/>.
    /// </summary>
    public long Permitted(Ipa gpa, bool write, ulong stride, long count)
    {
        if (gpa.Value >= Kvm.Config.PhysSize) return 0;
        var walk = Kvm.Pgt.GetLeaf(gpa);
        if (!walk.Valid) return 0;
        var leaf = walk.Leaf;
        if (!leaf.Young && !Kvm.Config.HwAf) return 0;
        var need = write ? S2Prot.W : S2Prot.R;
        if ((leaf.Prot & need) != need) return 0;
        var inLeaf = (long)((leaf.End.Value - gpa.Value + stride - 1) / stride);
        return Math.Min(count, inLeaf);
    }
}
