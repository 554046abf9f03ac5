using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Stress.Diff;

/// <summary>The machine the real kernel ran on, as its boot log showed it; the model runs with the same features.</summary>
/// <param name="Release">The kernel release (<c>uname -r</c>).</param>
/// <param name="S2Fwb">"Stage-2 Force Write-Back" was detected.</param>
/// <param name="CacheIdc">"Data cache clean to the PoU not required for I/D coherence" (CTR_EL0.IDC).</param>
/// <param name="CacheDic">"Instruction cache invalidation not required for I/D coherence" (CTR_EL0.DIC).</param>
/// <param name="HwAf">"Hardware dirty bit management" (FEAT_HAFDBS: KVM sets VTCR_EL2.HA).</param>
/// <param name="IpaLimit">"IPA Size Limit: N bits" (<c>get_kvm_ipa_limit</c>).</param>
public sealed record MachineFeatures(string Release, bool S2Fwb, bool CacheIdc, bool CacheDic, bool HwAf, int IpaLimit)
{
    /// <summary>The line the diff prints about it.</summary>
    public override string ToString() =>
        $"{Release}: s2fwb={S2Fwb.ToString().ToLowerInvariant()} cache-idc={CacheIdc.ToString().ToLowerInvariant()} cache-dic={CacheDic.ToString().ToLowerInvariant()} hw-af={HwAf.ToString().ToLowerInvariant()} ipa-limit={IpaLimit}";
}

/// <summary>Runs an eligible scenario on the pure model, one step after the other, and records what it shows.</summary>
public static class ModelObservations
{
    /// <summary>The scenario as the real machine runs it: its CPU features and IPA limit replace the scenario's.</summary>
    public static ScenarioDefinition OnMachine(ScenarioDefinition sc, MachineFeatures m) => sc with
    {
        Vm = sc.Vm with { Features = sc.Vm.Features with { S2Fwb = m.S2Fwb, CacheIdc = m.CacheIdc, CacheDic = m.CacheDic, HwAf = m.HwAf } },
        Host = sc.Host with { IpaLimit = m.IpaLimit },
    };

    /// <summary>The observations of <paramref name="sc"/> (already <see cref="OnMachine"/>) on the model.</summary>
    public static IReadOnlyList<Observation> Observe(ScenarioDefinition sc)
    {
        var list = new List<Observation>();
        var nextId = 1;
        var (kvm, failure) = ScenarioVm.Build(sc, new ScenarioRunOptions([], null), ref nextId);
        list.Add(new Observation("setup", failure is null ? "ok" : $"refused ({failure.Message})"));
        if (kvm is null)
        {
            list.Add(Observation.Warnings([])); // refused before anything ran
            return list;
        }
        foreach (var step in sc.Steps.Where(OpListExport.Runs))
        {
            var act = step.CreateActivity(kvm, nextId++)
                ?? throw new InvalidOperationException($"{step.Path}: no activity for {step.Op}");
            act.RunToEnd();
            if (!act.IsDone) throw new InvalidOperationException($"{step.Path}: {step.Op} did not finish in a single-threaded run");
            Record(kvm, step, act, list);
        }
        list.Add(Observation.Warnings(kvm.Oracle.KernelWarnings));
        return list;
    }

    private static void Record(Kvm kvm, StepSpec step, Activity act, List<Observation> list)
    {
        void Add(string key, string value) => list.Add(new Observation(step.KeyPath(key), value));
        switch (act)
        {
            case GuestAccess a:
                {
                    Add(StepExpect.ResultKey, a.Exit.Name);
                    Add(StepExpect.FaultsKey, "[" + string.Join(", ", a.Faults.Select(f => f.Name())) + "]");
                    if (a.Kind.LoadsValue() && a.Exit.Kind == AccessExitKind.Ok) Add(StepExpect.ValueKey, a.ReadValue.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    if (a.Faults.Any(f => f is FaultResult.Map or FaultResult.Relax))
                    {
                        var walk = a.Gpa.Value < kvm.Pgt.IpaSize ? kvm.Pgt.GetLeaf(a.Gpa) : default;
                        Add(StepExpect.SizeKey, walk.Valid ? Sizes.Format(walk.Leaf.Size) : "unmapped");
                        Add(StepExpect.PermsKey, walk.Valid ? walk.Leaf.Prot.FormatPerms() : "unmapped");
                        Add(StepExpect.MemTypeKey, walk.Valid ? ExpectationChecker.MemTypeName(walk.Leaf.MemType) : "unmapped");
                    }
                    break;
                }
            case HostAccess h:
                Add(StepExpect.ResultKey, h.Result.ToScenarioName());
                if (step is HostReadStep && h.Result == Errno.Ok) Add(StepExpect.ValueKey, h.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case HostOperation h:
                Add(StepExpect.ResultKey, h.Result.ToScenarioName());
                break;
            case HostMmap m:
                Add(StepExpect.ResultKey, m.Result.ToScenarioName());
                break;
            case MemslotUpdate m:
                Add(StepExpect.ResultKey, m.Result.ToScenarioName());
                break;
            case DirtyLogIoctl d:
                Add(StepExpect.ResultKey, d.Result.ToScenarioName());
                if (step is DirtyLogGetStep && d.Result == Errno.Ok) Add(StepExpect.PagesKey, "[" + string.Join(", ", d.Pages) + "]");
                break;
            default:
                throw new InvalidOperationException($"{step.Path}: no observation for {act.GetType().Name}");
        }
    }
}
