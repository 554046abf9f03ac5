using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;

namespace ActorKvm.Stress.Diff;

/// <summary>
/// Which scenarios a real arm64 KVM (a process on a kernel booted under QEMU, see <c>kvm/</c>) can run, and
/// why not the others. The real kernel runs each step to completion in file order, so the diff takes only
/// single-threaded scenarios of the upstream kernel's behaviour that a plain process can set up.
/// </summary>
public static class DiffEligibility
{
    /// <summary>The guest's stage 1 identity-maps the low 1 TiB (kvm/runner.c); accesses above it cannot be made.</summary>
    public const ulong GuestStage1Limit = 1UL << 40;

    /// <summary>vCPUs the runner creates at most.</summary>
    public const int MaxVcpus = 8;

    /// <summary>Null when <paramref name="sc"/> can run on <paramref name="booted"/>; else the reason it is skipped.</summary>
    public static string? WhyNot(ScenarioDefinition sc, KernelVersion booted)
    {
        if (sc.MinKernel is { } min && booted.OlderThan(min))
            return $"min-kernel {min}: the booted kernel is {booted}";
        if (sc.Bugs.Count > 0) return "bug switches (the real kernel has the fixes)";
        if (sc.Steps.Any(s => s.PauseAt is not null || s is ResumeStep))
            return "pause-at/resume (a real kernel cannot be stopped at a phase boundary)";
        if (sc.Steps.Any(s => s.Async || s is JoinStep)) return "async steps (their order is the model's seeded scheduler's)";
        var vm = sc.Vm;
        if (vm.Protected) return "pKVM protected VM (the booted kernel runs KVM in VHE mode)";
        if (vm.Features.Nested || sc.Steps.Any(s => s is NestedEnterStep or NestedExitStep)) return "nested virtualisation";
        if (vm.Features.Mte || sc.Steps.Any(s => s is MteSyncTagsStep or AccessStep { Kind: AccessKind.TagRead or AccessKind.TagWrite }))
            return "MTE (the QEMU machine runs without mte=on)";
        if (vm.Features.Ls64Wb) return "FEAT_LS64WB (not emulated by QEMU)";
        if (vm.MemcacheCapacity != VmConfig.Default.MemcacheCapacity) return "memcache-capacity (a model knob with no kernel equivalent)";
        if (vm.Vcpus > MaxVcpus) return $"more than {MaxVcpus} vCPUs";
        var backings = sc.Host.Vmas.Select(v => v.Backing).Concat(sc.Steps.OfType<HostMmapStep>().Select(m => m.Backing)).ToList();
        if (backings.Any(b => b.IsDeviceAperture())) return "device memory (a plain process cannot make a VM_PFNMAP/VM_MIXEDMAP VMA)";
        if (backings.Contains(BackingKind.GuestMemfd) || sc.Memslots.Any(m => m.GuestMemfd)
            || sc.Steps.OfType<MemslotCreateStep>().Any(c => c.Slot.GuestMemfd))
            return $"guest_memfd memslots (not supported on arm64 by {booted})";
        foreach (var step in sc.Steps)
        {
            var why = step switch
            {
                HostPageStep { Operation: HostOp.ThpCollapse } c when CollapsesFileMemory(sc, c.Hva) =>
                    "thp-collapse of shmem or file memory (MADV_COLLAPSE's collapse_file is not modelled: the model collapses anonymous THP only)",
                HostPageStep { Operation: HostOp.Migrate } m when InSharedFile(sc, m.Hva) =>
                    "migrate of a shared file mapping (the runner's files are on ramfs, whose dirty pages never migrate: ram_aops has no "
                    + "migrate_folio and no writepage, so fallback_migrate_folio's writeout fails, mm/migrate.c:1001; the model's file is a disk file system's)",
                PreFaultStep => $"KVM_PRE_FAULT_MEMORY (not supported on arm64 by {booted})",
                HostRangeStep { Operation: HostOp.SwapOut } => "swap-out (the test VM has no swap device)",
                HostPageStep { Operation: HostOp.ThpSplit } => "thp-split (no system call splits only the PMD mapping)",
                HostPageStep { Operation: HostOp.ThpSplitFolio } => "thp-split-folio (no system call splits only the folio)",
                AgeStep => "age (kvm_age_gfn has no trigger the runner uses)",
                HostFreePageTablesStep => "free-page-tables (exit_mmap's page-table freeing has no system call)",
                AccessStep a when a.Gpa.Value >= GuestStage1Limit => $"an access at {a.Gpa} (the runner's guest stage 1 maps the low 1 TiB)",
                AccessStep a when a.Vcpu >= MaxVcpus => $"vCPU {a.Vcpu}",
                AccessStep { Kind: AccessKind.Cmo } => "cache maintenance (QEMU's TCG does not translate DC CIVAC, so it never takes a stage-2 fault)",
                _ when !OpListExport.Exports(step) => $"{step.Op} (kvm/runner.c has no such op)",
                _ => null,
            };
            if (why is not null) return $"{step.Path}: {why}";
        }
        if (OpListExport.CodeWindow(sc) is null) return "no free 128K window below 1 TiB for the runner's guest code";
        return null;
    }

    /// <summary>True when a VMA of <paramref name="sc"/> holding <paramref name="hva"/> is shmem or file memory (a shared anonymous VMA is shmem too).</summary>
    private static bool CollapsesFileMemory(ScenarioDefinition sc, Model.Arch.Hva hva) =>
        VmasAt(sc, hva).Any(v => v.Backing is BackingKind.Shmem or BackingKind.File || (v.Shared && v.Backing is BackingKind.Anon or BackingKind.Thp));

    /// <summary>True when a VMA of <paramref name="sc"/> holding <paramref name="hva"/> is a shared mapping of a regular file.</summary>
    private static bool InSharedFile(ScenarioDefinition sc, Model.Arch.Hva hva) =>
        VmasAt(sc, hva).Any(v => v.Shared && v.Backing == BackingKind.File);

    private static IEnumerable<(BackingKind Backing, bool Shared)> VmasAt(ScenarioDefinition sc, Model.Arch.Hva hva) =>
        sc.Host.Vmas.Select(v => (v.Hva, v.End, v.Backing, v.Shared))
            .Concat(sc.Steps.OfType<HostMmapStep>().Select(m => (m.Hva, End: m.Hva + m.Size, m.Backing, m.Shared)))
            .Where(v => hva >= v.Hva && hva < v.End)
            .Select(v => (v.Backing, v.Shared));
}
