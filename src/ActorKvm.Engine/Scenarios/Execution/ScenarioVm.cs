using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>Builds a scenario's VM: bug switches, features, host VMAs and the initial memslots (as the kernel accepts them).</summary>
public static class ScenarioVm
{
    /// <summary>The VM, or the failure that stops the scenario before its steps (an unmodelled feature, a refused slot).</summary>
    public static (Kvm? Kvm, ScenarioFailure? Failure) Build(ScenarioDefinition sc, ScenarioRunOptions options, ref int nextId)
    {
        var vm = sc.Vm;
        BugSet bugs;
        try
        {
            bugs = new BugSet(sc.Bugs.Concat(options.ExtraBugs).Distinct());
        }
        catch (ArgumentException e)
        {
            return (null, new ScenarioFailure("bugs", null, null, e.Message));
        }
        foreach (var b in bugs.On)
            if (BugCatalog.Find(b) is { NotModelled: { } why })
                return (null, new ScenarioFailure("bugs", null, null, $"bug switch '{b}' is not modelled: {why}"));
        var f = vm.Features;
        var kvm = new Kvm(new KvmConfig(vm.IpaBits, sc.Host.IpaLimit, vm.Vcpus, vm.Protected, f.S2Fwb, f.CacheDic, f.CacheIdc, f.Mte,
            f.Ls64Wb, f.Nested, f.HwAf, vm.EagerSplitChunk, vm.ManualDirtyProtect, vm.InitiallyAllSet, vm.MemcacheCapacity, vm.NisvToUser), bugs)
        {
            Variants = new Model.Variants.VariantSet(sc.Variants.Concat(options.ExtraVariants)),
        };
        foreach (var v in sc.Host.Vmas) kvm.Mm.Mmap(v.Hva, v.Size, v.Backing, v.Prot, v.Shared);
        foreach (var s in sc.Memslots)
        {
            var u = new Model.Memslots.MemslotUpdate(kvm, nextId++, s.ToRequest());
            u.RunToEnd();
            if (u.Result != Model.Arch.Errno.Ok)
                return (null, new ScenarioFailure(s.Path, null, null, $"the kernel refuses this memslot ({u.Result.ToScenarioName()})"));
        }
        kvm.Oracle.Check();
        return (kvm, null);
    }
}
