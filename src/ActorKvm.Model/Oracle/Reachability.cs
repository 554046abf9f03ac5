using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// The model operations and branches a run can reach, by folder (names in <see cref="Reachability.Names"/>): what a fault
/// ended as (<c>Fault/</c>), what stage 2 did (<c>Stage2/</c>), which notifier-side host operations ran and how
/// (<c>Notifier/</c>), which memslot and dirty-log operations ran (<c>Memslots/</c>). A mistake hidden in a branch the
/// workload never reaches cannot be caught by any rule, so <c>run</c> and <c>hunt</c> report the counts and the zeros.
/// </summary>
public enum ReachPoint
{
#pragma warning disable CS1591 // the names table below is the documentation
    FaultMapPage, FaultMapPmd, FaultMapPud, FaultMapExec, FaultMapDevice, FaultMapNormalNc, FaultMapWhileLogging, FaultPermFaultMap,
    FaultMapGmem, FaultMapNested, FaultMapProtected, FaultMapPrefault, FaultRelax, FaultRelaxExec, FaultRetry, FaultSpurious, FaultYoung,
    ExitOk, ExitMmio, ExitErrno, ExitSigbus, ExitInjectDabt, ExitInjectIabt, ExitInjectExclAtomic, ExitInjectL1, ExitInjectSizeFault,
    ExitSkipCm, ExitMemoryFault, ExitInjectSerror, PreFaultAligned, PreFaultUnaligned, PreFaultError,
    Stage2InstallPage, Stage2InstallPmd, Stage2InstallPud, Stage2Remove, Stage2Relax, Stage2WrProtect, Stage2Mkyoung, Stage2Mkold,
    IcacheInvalPou, PartialBlockUnmapNormal, PartialBlockUnmapDevice, PartialBlockUnmapNormalNc,
    HostMunmap, HostMprotect, HostMadviseDontneed, HostSwapOut, HostMigrate, HostThpSplit, HostThpSplitFolio, HostThpCollapse,
    HostPoison, HostMmapFixed, HostOpRefused, HostOpNoInvalidation, HostAge, HostMmap, HostFreePageTables, HostAccess, HostMteSyncTags,
    InvalidationNoSlot, InvalidationConcurrent,
    MemslotCreate, MemslotDelete, MemslotDeleteLarge, MemslotMove, MemslotMoveLarge, MemslotFlags, MemslotRefused, LoggingEnable,
    LoggingDisable, LoggingWriteProtect, EagerSplitDone, EagerSplitCut, DirtyLogGet, DirtyLogClear,
#pragma warning restore CS1591
}

/// <summary>Per-<see cref="ReachPoint"/> counters of one VM (or summed over a hunt's schedules); allocation-free once built.</summary>
public sealed class Reachability
{
    /// <summary>The report names, in <see cref="ReachPoint"/> order: folder, kernel function, branch.</summary>
    public static readonly string[] Names =
    [
        "fault.map.4k", "fault.map.2m", "fault.map.1g", "fault.map.exec", "fault.map.device", "fault.map.normal-nc", "fault.map.logging",
        "fault.map.perm-fault", "fault.map.gmem", "fault.map.nested", "fault.map.protected", "fault.map.prefault", "fault.relax",
        "fault.relax.exec", "fault.retry", "fault.spurious", "fault.young",
        "fault.exit.ok", "fault.exit.mmio", "fault.exit.errno", "fault.exit.sigbus-hwpoison", "fault.exit.inject-dabt",
        "fault.exit.inject-iabt", "fault.exit.inject-excl-atomic", "fault.exit.inject-l1", "fault.exit.inject-size-fault",
        "fault.exit.skip-cm", "fault.exit.memory-fault", "fault.exit.inject-serror", "fault.prefault.aligned",
        "fault.prefault.unaligned", "fault.prefault.error",
        "stage2.install.4k", "stage2.install.2m", "stage2.install.1g", "stage2.remove", "stage2.relax", "stage2.wrprotect",
        "stage2.mkyoung", "stage2.mkold", "stage2.icache-inval-pou", "stage2.unmap.partial-block.normal",
        "stage2.unmap.partial-block.device", "stage2.unmap.partial-block.normal-nc",
        "notifier.munmap", "notifier.mprotect", "notifier.madvise-dontneed", "notifier.swap-out", "notifier.migrate",
        "notifier.thp-split", "notifier.thp-split-folio", "notifier.thp-collapse", "notifier.poison", "notifier.mmap-fixed",
        "notifier.host-op.refused", "notifier.host-op.no-invalidation", "notifier.age", "notifier.mmap", "notifier.free-page-tables",
        "notifier.host-access", "notifier.mte-sync-tags", "notifier.invalidation.no-slot", "notifier.invalidation.concurrent",
        "memslots.create", "memslots.delete", "memslots.delete.larger-than-2m", "memslots.move", "memslots.move.larger-than-2m",
        "memslots.flags", "memslots.refused", "memslots.logging.enable", "memslots.logging.disable", "memslots.logging.write-protect",
        "memslots.eager-split.done", "memslots.eager-split.cut-short", "memslots.dirty-log.get", "memslots.dirty-log.clear",
    ];

    private readonly long[] _counts = new long[Names.Length];

    /// <summary>The count of one point.</summary>
    public long this[ReachPoint p] => _counts[(int)p];

    /// <summary>Counts one reach of <paramref name="p"/>.</summary>
    public void Hit(ReachPoint p) => _counts[(int)p]++;

    /// <summary>Adds <paramref name="other"/>'s counts (a hunt sums its schedules).</summary>
    public void Add(Reachability other)
    {
        for (var i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
    }

    /// <summary>Every point with its count, in order.</summary>
    public IEnumerable<(string Name, long Count)> All() => Names.Select((n, i) => (n, _counts[i]));

    /// <summary>The points never reached.</summary>
    public IEnumerable<string> Zero() => Names.Where((_, i) => _counts[i] == 0);

    /// <summary>Points reached at least once.</summary>
    public int Reached => _counts.Count(c => c > 0);

    // --- feeding --------------------------------------------------------------------------------------------------

    /// <summary>A fault mapped (<paramref name="relaxed"/>: relaxed) a leaf.</summary>
    internal void FaultMapped(S2FaultDesc desc, KvmS2Fault state, bool relaxed, bool exec, bool protectedVm)
    {
        if (relaxed)
        {
            Hit(ReachPoint.FaultRelax);
            if (exec) Hit(ReachPoint.FaultRelaxExec);
            return;
        }
        Hit(state.MapSize switch { Sizes.PudSize => ReachPoint.FaultMapPud, Sizes.PmdSize => ReachPoint.FaultMapPmd, _ => ReachPoint.FaultMapPage });
        if (exec) Hit(ReachPoint.FaultMapExec);
        var mt = state.Prot.MemType();
        if (mt == MemType.Device) Hit(ReachPoint.FaultMapDevice);
        else if (mt == MemType.NormalNc) Hit(ReachPoint.FaultMapNormalNc);
        if (desc.LoggingActive) Hit(ReachPoint.FaultMapWhileLogging);
        if (desc.FaultIsPerm) Hit(ReachPoint.FaultPermFaultMap);
        if (desc.Memslot.HasGmem) Hit(ReachPoint.FaultMapGmem);
        if (desc.Nested is not null) Hit(ReachPoint.FaultMapNested);
        if (protectedVm) Hit(ReachPoint.FaultMapProtected);
        if (desc.Prefault) Hit(ReachPoint.FaultMapPrefault);
    }

    /// <summary>A stage-2 leaf changed in place.</summary>
    internal void LeafUpdated(in S2Leaf before, in S2Leaf after)
    {
        if ((after.Perms & ~before.Perms) != 0) Hit(ReachPoint.Stage2Relax);
        if ((before.Perms & ~after.Perms) != 0) Hit(ReachPoint.Stage2WrProtect);
        if (after.Young && !before.Young) Hit(ReachPoint.Stage2Mkyoung);
        if (before.Young && !after.Young) Hit(ReachPoint.Stage2Mkold);
    }

    /// <summary>A stage-2 leaf was installed.</summary>
    internal void LeafInstalled(in S2Leaf leaf) =>
        Hit(leaf.Level switch { 1 => ReachPoint.Stage2InstallPud, 2 => ReachPoint.Stage2InstallPmd, _ => ReachPoint.Stage2InstallPage });

    /// <summary>Before an unmap of [ipa, +size): a block leaf at either end that sticks out of the range is a partial-block unmap.</summary>
    internal void CountPartialBlocks(Stage2PageTable pgt, Ipa ipa, ulong size)
    {
        if (size == 0) return;
        CountPartial(pgt.GetLeaf(ipa), ipa, size);
        var last = ipa + (size - 1);
        if (last.AlignDown(Sizes.PageSize) != ipa.AlignDown(Sizes.PageSize)) CountPartial(pgt.GetLeaf(last), ipa, size);
    }

    private void CountPartial(S2Walk w, Ipa ipa, ulong size)
    {
        if (!w.Valid || !w.Leaf.IsBlock || (w.Leaf.Ipa >= ipa && w.Leaf.End.Value <= ipa.Value + size)) return;
        Hit(w.Leaf.MemType switch
        {
            MemType.Device => ReachPoint.PartialBlockUnmapDevice,
            MemType.NormalNc => ReachPoint.PartialBlockUnmapNormalNc,
            _ => ReachPoint.PartialBlockUnmapNormal,
        });
    }

    /// <summary>An activity finished: count what it was and how it ended.</summary>
    internal void Finished(Activity a, Kvm kvm, string? lastPhase)
    {
        switch (a)
        {
            case GuestAccess g:
                var faults = g.Faults;
                for (var i = 0; i < faults.Count; i++) // by index: a foreach over the interface boxes an enumerator per access
                {
                    var r = faults[i];
                    if (r == FaultResult.Retry) Hit(ReachPoint.FaultRetry);
                    else if (r == FaultResult.Spurious) Hit(ReachPoint.FaultSpurious);
                    else if (r == FaultResult.Young) Hit(ReachPoint.FaultYoung);
                }
                if (ExitPoint(g.Exit.Kind) is { } e) Hit(e);
                break;
            case PreFaultMemory pf:
                if (pf.StoppedBy != Errno.Ok) Hit(ReachPoint.PreFaultError);
                break;
            case HostOperation h:
                if (h.Result != Errno.Ok) Hit(ReachPoint.HostOpRefused);
                else Hit(ReachPoint.HostMunmap + (int)h.Op);
                if (lastPhase is null) Hit(ReachPoint.HostOpNoInvalidation);
                break;
            case AgeOperation: Hit(ReachPoint.HostAge); break;
            case HostMmap: Hit(ReachPoint.HostMmap); break;
            case HostFreePageTables: Hit(ReachPoint.HostFreePageTables); break;
            case HostAccess: Hit(ReachPoint.HostAccess); break;
            case MteSyncTags: Hit(ReachPoint.HostMteSyncTags); break;
            case DirtyLogIoctl d: Hit(d.IsClear ? ReachPoint.DirtyLogClear : ReachPoint.DirtyLogGet); break;
            case MemslotUpdate m: MemslotFinished(m, kvm); break;
        }
    }

    private void MemslotFinished(MemslotUpdate m, Kvm kvm)
    {
        if (m.Result != Errno.Ok) { Hit(ReachPoint.MemslotRefused); return; }
        // A delete asks for size 0: what was deleted is the old slot.
        var large = (m.Change == MemslotChange.Delete ? m.Old?.Size ?? 0 : m.Request.Size) > Sizes.PmdSize;
        switch (m.Change)
        {
            case MemslotChange.Create: Hit(ReachPoint.MemslotCreate); break;
            case MemslotChange.Delete: Hit(large ? ReachPoint.MemslotDeleteLarge : ReachPoint.MemslotDelete); break;
            case MemslotChange.Move: Hit(large ? ReachPoint.MemslotMoveLarge : ReachPoint.MemslotMove); break;
            case MemslotChange.FlagsOnly:
                Hit(ReachPoint.MemslotFlags);
                var logging = kvm.Memslots.ById(m.Request.Id)?.IsLogging ?? false;
                Hit(logging ? ReachPoint.LoggingEnable : ReachPoint.LoggingDisable);
                break;
        }
    }

    private static ReachPoint? ExitPoint(AccessExitKind k) => k switch
    {
        AccessExitKind.Ok => ReachPoint.ExitOk,
        AccessExitKind.Mmio => ReachPoint.ExitMmio,
        AccessExitKind.Errno => ReachPoint.ExitErrno,
        AccessExitKind.SigbusHwpoison => ReachPoint.ExitSigbus,
        AccessExitKind.InjectDabt => ReachPoint.ExitInjectDabt,
        AccessExitKind.InjectIabt => ReachPoint.ExitInjectIabt,
        AccessExitKind.InjectExclAtomic => ReachPoint.ExitInjectExclAtomic,
        AccessExitKind.InjectL1 => ReachPoint.ExitInjectL1,
        AccessExitKind.InjectSizeFault => ReachPoint.ExitInjectSizeFault,
        AccessExitKind.SkipCm => ReachPoint.ExitSkipCm,
        AccessExitKind.MemoryFault => ReachPoint.ExitMemoryFault,
        AccessExitKind.InjectSerror => ReachPoint.ExitInjectSerror,
        _ => null,
    };
}
