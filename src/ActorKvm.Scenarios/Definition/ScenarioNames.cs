using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// The scenario format's vocabularies in one place: op names, enumeration spellings, expected results,
/// and which phases and <c>expect</c> keys each op accepts.
/// </summary>
public static class ScenarioNames
{
    /// <summary>Access kinds.</summary>
    public static readonly IReadOnlyList<(AccessKind Value, string Name)> AccessKinds =
        [(AccessKind.Read, "read"), (AccessKind.Write, "write"), (AccessKind.Exec, "exec"), (AccessKind.Atomic, "atomic"), (AccessKind.Cmo, "cmo"),
         (AccessKind.TagWrite, "tag-write"), (AccessKind.TagRead, "tag-read"),
         (AccessKind.LoadNoSyndrome, "load-no-syndrome"), (AccessKind.StoreNoSyndrome, "store-no-syndrome")];

    /// <summary>Memory types (<c>memtype</c>).</summary>
    public static readonly IReadOnlyList<(MemType Value, string Name)> MemTypes =
        [(MemType.Normal, "normal"), (MemType.NormalNc, "normal-nc"), (MemType.Device, "device")];

    /// <summary>Range host operations.</summary>
    public static readonly IReadOnlyList<(HostRangeOp Value, string Name)> HostRangeOps =
        [(HostRangeOp.Munmap, "munmap"), (HostRangeOp.Mprotect, "mprotect"), (HostRangeOp.MadviseDontneed, "madvise-dontneed"), (HostRangeOp.SwapOut, "swap-out")];

    /// <summary>Page/folio host operations.</summary>
    public static readonly IReadOnlyList<(HostPageOp Value, string Name)> HostPageOps =
        [(HostPageOp.Migrate, "migrate"), (HostPageOp.ThpSplit, "thp-split"), (HostPageOp.ThpSplitFolio, "thp-split-folio"), (HostPageOp.ThpCollapse, "thp-collapse"), (HostPageOp.Poison, "poison")];

    /// <summary>Per-fault handler results (<c>expect.faults</c> items).</summary>
    public static readonly IReadOnlyList<string> FaultOutcomes = ["map", "relax", "young", "retry", "spurious"];

    /// <summary>Results that are not errno names.</summary>
    public static readonly IReadOnlyList<string> SpecialResults =
    [
        "ok", "mmio", "nisv", "sigbus-hwpoison", "inject-dabt", "inject-iabt", "inject-excl-atomic", "inject-l1",
        "inject-size-fault", "skip-cm", "memory-fault", "inject-serror", "livelock",
    ];

    /// <summary>Errno names a result may use: the model's <see cref="Errno"/> values plus the common Linux ones.</summary>
    public static readonly IReadOnlyList<string> ErrnoNames =
        System.Enum.GetValues<Errno>().Where(e => e != Errno.Ok).Select(e => e.ToScenarioName())
            .Concat([
                "eperm", "esrch", "ebadf", "echild", "eacces", "enotblk", "exdev", "enodev", "enotdir", "eisdir",
                "enfile", "emfile", "enotty", "efbig", "enospc", "espipe", "erofs", "emlink", "epipe", "edom",
                "erange", "eoverflow", "etimedout", "enotsupp", "eagain", "ehwpoison", "enoexec",
            ]).Distinct().ToList();

    /// <summary>Every op name, in the format's order.</summary>
    public static readonly IReadOnlyList<string> Ops =
    [
        "access", "pre-fault", "nested-enter", "nested-exit", "stage2",
        "munmap", "mmap", "mprotect", "madvise-dontneed", "swap-out", "migrate", "thp-split", "thp-split-folio", "thp-collapse", "poison",
        "free-page-tables", "age", "host-write", "host-read", "mte-sync-tags",
        "memslot-create", "memslot-delete", "memslot-move", "memslot-set-flags", "dirty-log-get", "dirty-log-clear",
        "check", "resume", "join",
    ];

    /// <summary>The scenario name of a range host operation.</summary>
    public static string Name(HostRangeOp op) => HostRangeOps.First(x => x.Value == op).Name;

    /// <summary>The scenario name of a page host operation.</summary>
    public static string Name(HostPageOp op) => HostPageOps.First(x => x.Value == op).Name;

    /// <summary>True when <paramref name="result"/> is a result name an <c>expect.result</c> may use.</summary>
    public static bool IsKnownResult(string result) => SpecialResults.Contains(result) || ErrnoNames.Contains(result);

    /// <summary>
    /// The phases a step of <paramref name="op"/> can pause after: fault phases for vCPU faults, notifier
    /// phases for host operations (a <c>host-write</c> may break copy-on-write), memslot phases for memslot
    /// and dirty-log changes; none for the others.
    /// </summary>
    public static IReadOnlyList<string> PhasesFor(string op) => op switch
    {
        "access" or "pre-fault" => PhaseNames.Fault,
        "munmap" or "mprotect" or "madvise-dontneed" or "swap-out" or "migrate" or "thp-split" or "thp-split-folio"
            or "thp-collapse" or "poison" or "host-write" => PhaseNames.HostOp,
        "memslot-create" or "memslot-delete" or "memslot-move" or "memslot-set-flags" or "dirty-log-get" or "dirty-log-clear"
            => PhaseNames.MemslotOp,
        "mte-sync-tags" => PhaseNames.MteSync,
        _ => [],
    };

    /// <summary>Every phase name of any kind.</summary>
    public static IReadOnlyList<string> AllPhases { get; } = [.. PhaseNames.Fault, .. PhaseNames.HostOp, .. PhaseNames.MemslotOp, .. PhaseNames.MteSync];

    /// <summary>The <c>expect</c> keys a step of <paramref name="op"/> accepts.</summary>
    public static IReadOnlyList<string> ExpectKeysFor(string op)
    {
        IReadOnlyList<string> specific = op switch
        {
            "access" => ["result", "faults", "size", "perms", "memtype", "value", "young"],
            "pre-fault" => ["result", "mapped", "size", "perms", "memtype"],
            "stage2" => ["mapped", "size", "perms", "memtype", "young"],
            "age" => ["result", "young"],
            "host-read" => ["result", "value"],
            "mte-sync-tags" => ["result"],
            "dirty-log-get" => ["result", "pages"],
            "check" or "resume" or "join" => [],
            _ => ["result"],
        };
        return [.. specific, "violations", "violations-include"];
    }
}
