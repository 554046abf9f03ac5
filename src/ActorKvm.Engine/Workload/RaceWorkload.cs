using System.Runtime.CompilerServices;
using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Workload;

/// <summary>The outcome of one schedule of a small race.</summary>
/// <param name="Violations">What the oracle reported.</param>
/// <param name="Faults">Faults handled, by result, over both vCPUs.</param>
/// <param name="Deliveries">Messages delivered.</param>
/// <param name="Choices">The choice sequence.</param>
/// <param name="OutstandingFaultRefs">Page references still held by faults (0 when balanced).</param>
public sealed record RaceOutcome(IReadOnlyList<Violation> Violations, IReadOnlyList<FaultResult> Faults, long Deliveries, int[] Choices, int OutstandingFaultRefs);

/// <summary>
/// The small 2-vCPU race used to measure exploration speed (and as a first target for schedule search): both
/// vCPUs write the same page of a THP-backed slot while the host migrates that page — the
/// <c>mmu_invalidate_seq</c> retry race of <c>user_mem_abort</c>, with the second vCPU finding the leaf
/// installed (or relaxing it) depending on the order. Every run starts from the same state; only the message
/// order differs.
/// </summary>
public static class RaceWorkload
{
    private const ulong Gpa = 0x4000_0000;
    private const ulong Hva = 0x7f00_0000_0000;

    // One VM actor tree per deterministic system, re-pointed at each run's fresh model: a run costs its messages,
    // not the creation and shutdown of six actors.
    private static readonly ConditionalWeakTable<DeterministicSystem, IActorRef> Vms = new();

    private static IActorRef VmFor(DeterministicSystem det, Kvm kvm, TraceRecorder? trace)
    {
        if (Vms.TryGetValue(det, out var vm))
        {
            vm.Tell(new VmReattached(kvm, trace), ActorRefs.NoSender);
            det.Drive(FifoStrategy.Instance); // set-up, not part of the schedule
            return vm;
        }
        vm = det.Spawn(VmActor.Props(kvm, trace), "race");
        Vms.Add(det, vm);
        return vm;
    }

    /// <summary>Runs one schedule of the race on <paramref name="det"/>.</summary>
    public static RaceOutcome Run(DeterministicSystem det, ISchedulingStrategy strategy, BugSet? bugs = null, TraceRecorder? trace = null, ScheduleLog? log = null)
    {
        var kvm = new Kvm(new KvmConfig(IpaBits: 40, Vcpus: 2), bugs);
        kvm.Mm.Mmap(new Hva(Hva), Sizes.PmdSize, BackingKind.Thp, HostProt.Read | HostProt.Write, shared: false);
        new MemslotUpdate(kvm, 1, new MemslotRequest(0, new Ipa(Gpa), Sizes.PmdSize, new Hva(Hva), MemslotFlags.None)).RunToEnd();

        var page = new Ipa(Gpa + 0x5000);
        var first = new GuestAccess(kvm, 10, kvm.Vcpus[0], page, AccessKind.Write, 0xA);
        var second = new GuestAccess(kvm, 11, kvm.Vcpus[1], page, AccessKind.Write, 0xB);
        var migrate = new HostOperation(kvm, 12, HostOp.Migrate, new Hva(Hva + 0x5000), Sizes.PageSize, HostProt.None);

        var vm = VmFor(det, kvm, trace);
        var start = det.Executor.Steps;
        foreach (var a in new Activity[] { first, second, migrate }) vm.Tell(new RunRequested(a, ActorRefs.Nobody), ActorRefs.NoSender);
        log ??= new ScheduleLog();
        log.Clear();
        det.Drive(strategy, log);
        var deliveries = det.Executor.Steps - start;

        kvm.Oracle.CheckAtRest();
        return new RaceOutcome(kvm.Oracle.Violations.ToList(), [.. first.Faults, .. second.Faults], deliveries, log.ToArray(), kvm.OutstandingFaultRefs);
    }
}
