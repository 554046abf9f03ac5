using System.CommandLine;

namespace ActorKvm.Stress.Verbs;

/// <summary>The options of <c>run</c> (also taken by the default verb), per cli.md; defaults from <see cref="RunDefaults"/>.</summary>
internal sealed class RunOptions
{
    public Option<string> Vcpus { get; } = new("--vcpus") { Description = "vCPU actors; a list (1,2,8,64) runs a sweep at a fixed --invalidate-rate", DefaultValueFactory = _ => RunDefaults.Embedded.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture), HelpName = "N[,N...]" };
    public Option<string> Duration { get; } = new("--duration") { Description = "Wall-clock length of a free-running run, e.g. 10s", DefaultValueFactory = _ => RunDefaults.Embedded.Duration };
    public Option<long?> Faults { get; } = new("--faults") { Description = "Stop after N handled faults (a --deterministic run: default 100000)" };
    public Option<ulong?> Seed { get; } = new("--seed") { Description = "Seed of the workload's choices and of the deterministic dispatcher (default: random, always printed)" };
    public Option<string> Memory { get; } = new("--memory") { Description = "Guest memory, e.g. 1G (sparse)", DefaultValueFactory = _ => RunDefaults.Embedded.Memory };
    public Option<string[]> Backing { get; } = new("--backing") { Description = "One slot per backing (repeatable): thp, anon, hugetlb-2M, ...", AllowMultipleArgumentsPerToken = false };
    public Option<string[]> Bug { get; } = new("--bug") { Description = "Turn a bug switch on (repeatable)", HelpName = "NAME" };
    public Option<string[]> Variant { get; } = Cli.VariantNames.Option();
    public Option<bool> ModelledTime { get; } = new("--modelled-time") { Description = "Report in modelled time: per-phase costs on virtual CPUs (actorkvm.modelled-time in akka.hocon), independent of this machine" };
    public Option<bool> Deterministic { get; } = new("--deterministic") { Description = "Run on the seeded single-threaded dispatcher" };
    public Option<string?> InvalidateRate { get; } = new("--invalidate-rate") { Description = "Host MM operations per second, e.g. 500/s (free-running; replaces --invalidate-every)", HelpName = "N/s" };
    public Option<int> InvalidateEvery { get; } = new("--invalidate-every") { Description = "A host MM operation after every N finished accesses (0: none)", DefaultValueFactory = _ => RunDefaults.Embedded.InvalidateEvery };
    public Option<bool> DirtyLog { get; } = new("--dirty-log") { Description = "Toggle dirty logging on the first slot and harvest it (default on; --dirty-log false to turn off)", DefaultValueFactory = _ => RunDefaults.Embedded.DirtyLog };
    public Option<bool> MemslotChurn { get; } = new("--memslot-churn") { Description = "Move the last slot back and forth (default on; --memslot-churn false to turn off)", DefaultValueFactory = _ => RunDefaults.Embedded.MemslotChurn };
    public Option<bool> Record { get; } = new("--record") { Description = "Record the free-running delivery order; on a violation save it for replay --schedule (default: actorkvm.run.record = auto, on up to 4 vCPUs)" };
    public Option<string> ScheduleDir { get; } = new("--schedule-dir") { Description = "Where a recorded schedule is saved on a violation", DefaultValueFactory = _ => ".", HelpName = "DIR" };
    public Option<string?> Trace { get; } = new("--trace") { Description = "Write a Chrome trace-event JSON file (Perfetto): one track per actor, one slice per phase", HelpName = "FILE" };

    public Option<bool> Protected { get; } = new("--protected") { Description = "The VM is a pKVM protected VM: faults pin and donate pages (pkvm_mem_abort); no dirty logging, no slot moves" };
    public Option<bool> Mte { get; } = new("--mte") { Description = "An MTE VM (KVM_CAP_ARM_MTE): device slots are refused, faults sanitise tags (default: actorkvm.run.mte; --bug applies it where a switch needs it)", DefaultValueFactory = _ => RunDefaults.Embedded.Mte };
    public Option<bool> MapFixed { get; } = new("--map-fixed") { Description = "The VMM replaces a slot's memory with one mmap(MAP_FIXED) over it instead of munmap then mmap (--bug applies it where a switch needs it)" };
    public Option<bool> Nested { get; } = new("--nested") { Description = "FEAT_NV: the even vCPUs run L2 behind an L1 stage 2; their faults fill shadow stage 2s, L1's own are injected into L1" };

    public void AddTo(Command command)
    {
        foreach (Option o in new Option[] { Protected, Nested, Mte, MapFixed }) command.Add(o);
        foreach (Option o in new Option[] { Vcpus, Duration, Faults, Seed, Memory, Backing, Bug, Variant, Deterministic, ModelledTime, Trace, InvalidateRate, InvalidateEvery, DirtyLog, MemslotChurn, Record, ScheduleDir }) command.Add(o);
    }
}
