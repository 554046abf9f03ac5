using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>Compares a finished step, or the final state, with what the scenario expects.</summary>
public static class ExpectationChecker
{
    /// <summary>Checks a finished step's <c>expect</c>; null when everything holds.</summary>
    public static ScenarioFailure? CheckStep(Kvm kvm, StepSpec step, Activity act)
    {
        var e = step.Expect;
        if (e.IsEmpty) return null;
        switch (act)
        {
            case GuestAccess a:
                return Compare(e, StepExpect.ResultKey, e.Result, a.Exit.Name)
                    ?? Compare(e, StepExpect.FaultsKey, e.Faults is null ? null : List(e.Faults), List(a.Faults.Select(f => f.Name())))
                    ?? Compare(e, StepExpect.ValueKey, e.Value?.ToString(), a.ReadValue.ToString())
                    ?? CheckLeaf(kvm, e, a.Gpa, a.Pgt);
            case PreFaultMemory p:
                // result: the ioctl's return; mapped: the bytes it advanced over; size/perms/memtype: the leaf at gpa.
                return Compare(e, StepExpect.ResultKey, e.Result, p.Result.ToScenarioName())
                    ?? Compare(e, StepExpect.MappedKey, e.MappedBytes is { } bytes ? Sizes.Format(bytes) : null, Sizes.Format(p.Processed))
                    ?? CheckLeaf(kvm, e with { Mapped = null }, p.Gpa);
            case HostAccess h:
                return Compare(e, StepExpect.ResultKey, e.Result, h.Result.ToScenarioName())
                    ?? Compare(e, StepExpect.ValueKey, e.Value?.ToString(), h.Value.ToString());
            case AgeOperation g:
                return Compare(e, StepExpect.YoungKey, Bool(e.Young), Bool(g.Young));
            case DirtyLogIoctl d:
                return Compare(e, StepExpect.ResultKey, e.Result, d.Result.ToScenarioName())
                    ?? Compare(e, StepExpect.PagesKey, e.Pages is null ? null : List(e.Pages.Select(p => p.ToString())), List(d.Pages.Select(p => p.ToString())));
            case IReturnsErrno r: // a host operation, a second MTE mapping, an mmap, a page-table free, a memslot change, a nested entry/exit
                return Compare(e, StepExpect.ResultKey, e.Result, r.Result.ToScenarioName());
        }
        return null;
    }

    /// <summary>A <c>stage2</c> step: the leaf at its GPA in the canonical stage 2, or in the vCPU's shadow (<c>shadow = true</c>).</summary>
    public static ScenarioFailure? CheckStage2(Kvm kvm, Stage2Step s) =>
        !s.Shadow ? CheckLeaf(kvm, s.Expect, s.Gpa)
        : kvm.Vcpus[s.Vcpu].Nested is { } mmu ? CheckLeaf(kvm, s.Expect, s.Gpa, mmu.Shadow)
        : new ScenarioFailure(s.KeyPath("shadow"), null, null, $"vCPU {s.Vcpu} is not running an L2 guest");

    /// <summary>Compares the leaf mapping <paramref name="gpa"/> (keys mapped, size, perms, memtype, young).</summary>
    public static ScenarioFailure? CheckLeaf(Kvm kvm, StepExpect e, Ipa gpa, Model.Stage2.Stage2PageTable? pgt = null) =>
        CheckLeaf(kvm, gpa, e.Mapped, e.Size, e.Perms, e.MemType, e.Young, e.KeyPath, pgt);

    /// <summary>Compares the leaf mapping <paramref name="gpa"/> in <paramref name="pgt"/> (the canonical stage 2 by default) against optional expectations.</summary>
    public static ScenarioFailure? CheckLeaf(Kvm kvm, Ipa gpa, bool? mapped, ulong? size, S2Prot? perms, MemType? memType, bool? young, Func<string, string> keyPath, Model.Stage2.Stage2PageTable? pgt = null)
    {
        pgt ??= kvm.Pgt;
        var walk = gpa.Value < pgt.IpaSize ? pgt.GetLeaf(gpa) : default;
        var leaf = walk.Leaf;
        return Compare(keyPath, StepExpect.MappedKey, Bool(mapped), Bool(walk.Valid))
            ?? Compare(keyPath, StepExpect.SizeKey, size is { } s ? Sizes.Format(s) : null, walk.Valid ? Sizes.Format(leaf.Size) : "unmapped")
            ?? Compare(keyPath, StepExpect.PermsKey, perms?.FormatPerms(), walk.Valid ? leaf.Prot.FormatPerms() : "unmapped")
            ?? Compare(keyPath, StepExpect.MemTypeKey, memType is { } m ? MemTypeName(m) : null, walk.Valid ? MemTypeName(leaf.MemType) : "unmapped")
            ?? Compare(keyPath, StepExpect.YoungKey, Bool(young), walk.Valid ? Bool(leaf.Young) : "unmapped");
    }

    /// <summary>Checks the final <c>expect</c>.</summary>
    public static ScenarioFailure? CheckFinal(Kvm kvm, FinalExpect e)
    {
        if (e.RefcountsBalanced is { } balanced && balanced != (kvm.OutstandingFaultRefs == 0))
            return new ScenarioFailure(FinalExpect.KeyPath("refcounts-balanced"), Bool(balanced), $"{Bool(!balanced)} ({kvm.OutstandingFaultRefs} fault reference(s) outstanding)");
        if (e.Findings is { } findings)
        {
            // The exact set of upstream findings (ids) seen over the run; absent: not checked (findings are not failures).
            if (CompareSets(findings, kvm.Oracle.Findings.Select(f => f.Finding!), FinalExpect.KeyPath("findings")) is { } failure) return failure;
        }
        foreach (var s in e.Stage2)
        {
            var f = CheckLeaf(kvm, s.Gpa, s.Mapped, s.Size, s.Perms, s.MemType, s.Young, s.KeyPath);
            if (f is not null) return f;
        }
        foreach (var d in e.Dirty)
        {
            var slot = kvm.Memslots.ById(d.Slot);
            var actual = slot?.DirtyBitmap?.SetOffsets() ?? [];
            var f = Compare(d.KeyPath, StepExpect.PagesKey, List(d.Pages.Select(p => p.ToString())), List(actual.Select(p => p.ToString())));
            if (f is not null) return f;
        }
        return null;
    }

    /// <summary>Checks a list of violation names against <c>violations</c> (exact set) and <c>violations-include</c>.</summary>
    public static ScenarioFailure? CheckViolations(IReadOnlyList<string>? exact, IReadOnlyList<string>? include, IReadOnlyList<string> actual, Func<string, string> keyPath)
    {
        var distinct = actual.Distinct().ToList();
        if (include is not null)
        {
            var missing = include.Where(n => !distinct.Contains(n)).ToList();
            if (missing.Count > 0) return new ScenarioFailure(keyPath(StepExpect.ViolationsIncludeKey), List(include), List(distinct));
            if (exact is null) return null;
        }
        return CompareSets(exact ?? [], distinct, keyPath(StepExpect.ViolationsKey));
    }

    /// <summary>The names in <paramref name="expected"/> and <paramref name="actual"/> as sets (sorted in the failure); null when equal.</summary>
    private static ScenarioFailure? CompareSets(IEnumerable<string> expected, IEnumerable<string> actual, string path)
    {
        var want = expected.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var got = actual.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        return want.SequenceEqual(got) ? null : new ScenarioFailure(path, List(want), List(got));
    }

    /// <summary>The scenario spelling of a memory type.</summary>
    public static string MemTypeName(MemType m) => m switch { MemType.NormalNc => "normal-nc", MemType.Device => "device", _ => "normal" };

    private static ScenarioFailure? Compare(StepExpect e, string key, string? expected, string? actual) => Compare(e.KeyPath, key, expected, actual);

    private static ScenarioFailure? Compare(Func<string, string> keyPath, string key, string? expected, string? actual) =>
        expected is null || expected == actual ? null : new ScenarioFailure(keyPath(key), expected, actual ?? "none");

    private static string? Bool(bool? b) => b is null ? null : b.Value ? "true" : "false";

    private static string List(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";
}
