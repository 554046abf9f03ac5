using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Variants;
using ActorKvm.Model.Vm;
using ActorKvm.Timing.Costs;
using ActorKvm.Timing.Machine;
using ActorKvm.Timing.Report;

namespace ActorKvm.Timing.Workloads;

/// <summary>
/// The knobs of <c>actorkvm run --modelled-time</c>: vCPUs, guest memory (split over thp, anon and hugetlb-2M slots), the
/// fault budget, the host's invalidation rate and the dirty-log flips, in modelled time.
/// </summary>
public sealed record ModelledStressOptions(int Vcpus = 4, ulong Memory = 64UL << 20, long MaxFaults = 20_000, double InvalidationsPerSecond = 20_000,
    bool DirtyLog = true, int WritePercent = 50, ulong Seed = 1)
{
    /// <summary>Variants on.</summary>
    public VariantSet Variants { get; init; } = VariantSet.None;
}

/// <summary>
/// The stress workload on modelled time: every vCPU accesses random pages of the slots (reads and writes), the host MM
/// thread migrates, zaps and splits at the given modelled rate, and the VMM thread flips dirty logging on the first slot
/// and harvests it; the run ends after the fault budget. All contention (mmu_lock, SRCU, invalidations in progress) is
/// the model's own; its cost is the modelled one.
/// </summary>
public static class ModelledStress
{
    private static readonly BackingKind[] Backings = [BackingKind.Thp, BackingKind.Anon, BackingKind.Hugetlb2M];
    private static readonly HostOp[] HostOps = [HostOp.Migrate, HostOp.MadviseDontneed, HostOp.ThpSplit, HostOp.Migrate];

    /// <summary>Runs it; returns the machine (its metrics and CPUs).</summary>
    /// <exception cref="ArgumentException">Options out of range.</exception>
    public static ModelledMachine Run(ModelledStressOptions o, ModelledCosts costs, ModelledTrace? trace = null)
    {
        if (o.Vcpus is < 1 or > 512) throw new ArgumentException($"--vcpus: expected 1..512, got {o.Vcpus}");
        if (o.MaxFaults < 1) throw new ArgumentException($"--faults: expected at least 1, got {o.MaxFaults}");
        if (!(o.InvalidationsPerSecond >= 0)) throw new ArgumentException($"--invalidate-rate: expected >= 0, got {o.InvalidationsPerSecond}");
        var per = Math.Max(Sizes.PmdSize, o.Memory / (ulong)Backings.Length & ~(Sizes.PmdSize - 1));
        var kvm = new Kvm(new KvmConfig(IpaBits: 40, Vcpus: o.Vcpus)) { Variants = o.Variants };
        var slots = new List<(ulong Gpa, ulong Hva, ulong Size)>();
        for (var i = 0; i < Backings.Length; i++)
        {
            var gpa = 0x4000_0000UL + (ulong)i * Sizes.PudSize * (1 + per / Sizes.PudSize);
            var hva = 0x7f00_0000_0000UL + (gpa - 0x4000_0000UL);
            kvm.Mm.Mmap(new Hva(hva), per, Backings[i], HostProt.Read | HostProt.Write, shared: false);
            var u = new MemslotUpdate(kvm, i + 1, new MemslotRequest(i, new Ipa(gpa), per, new Hva(hva), MemslotFlags.None));
            u.RunToEnd();
            if (u.Result != Errno.Ok) throw new InvalidOperationException($"slot {i} refused: {u.Result}");
            slots.Add((gpa, hva, per));
        }
        var m = new ModelledMachine(kvm, costs, o.Seed, trace);
        m.ReserveIds(Backings.Length);
        var rng = new SplitMix64(o.Seed);
        var programs = new List<(VirtualCpu, ICpuProgram)>();
        for (var i = 0; i < o.Vcpus; i++) programs.Add((m.AddCpu($"vcpu-{i}", true), new RandomAccesses(slots, o.WritePercent, o.MaxFaults, new SplitMix64(rng.Next()))));
        if (o.InvalidationsPerSecond > 0) programs.Add((m.AddCpu("host-mm", false), new HostMmThread(slots, 1e9 / o.InvalidationsPerSecond, o.MaxFaults, new SplitMix64(rng.Next()))));
        if (o.DirtyLog) programs.Add((m.AddCpu("vmm", false), new DirtyLogFlipper(slots[0], o.MaxFaults)));
        m.RunSegment(programs);
        return m;
    }

    private sealed class RandomAccesses(List<(ulong Gpa, ulong Hva, ulong Size)> slots, int writePercent, long budget, SplitMix64 rng) : ICpuProgram
    {
        public CpuWork Next(ModelledMachine machine, VirtualCpu cpu)
        {
            // The budget is faults; without invalidations a guest stops faulting once its memory is mapped: then accesses bound it.
            if (machine.Metrics.Faults >= budget || machine.Metrics.Accesses >= budget * 100) return CpuWork.Finish;
            var (gpa, _, size) = slots[rng.Below(slots.Count)];
            var at = new Ipa(gpa + (rng.Next() % (size / Sizes.PageSize)) * Sizes.PageSize);
            var write = rng.Percent(writePercent);
            if (machine.Permitted(at, write, Sizes.PageSize, 1) > 0) return CpuWork.Busy(machine.Costs["guest-access"], 1);
            return CpuWork.Run(new GuestAccess(machine.Kvm, machine.NextId(), machine.Kvm.Vcpus[cpu.Index], at, write ? AccessKind.Write : AccessKind.Read, rng.Next()));
        }
    }

    private sealed class HostMmThread(List<(ulong Gpa, ulong Hva, ulong Size)> slots, double intervalNs, long budget, SplitMix64 rng) : ICpuProgram
    {
        private bool _idle;

        public CpuWork Next(ModelledMachine machine, VirtualCpu cpu)
        {
            if (machine.Metrics.Faults >= budget) return CpuWork.Finish;
            _idle = !_idle;
            if (_idle) return CpuWork.Busy(intervalNs);
            var (_, hva, size) = slots[rng.Below(slots.Count)];
            var op = HostOps[rng.Below(HostOps.Length)];
            var at = hva + (rng.Next() % (size / Sizes.PageSize)) * Sizes.PageSize;
            return CpuWork.Run(new HostOperation(machine.Kvm, machine.NextId(), op, new Hva(at), Sizes.PageSize, HostProt.Read | HostProt.Write));
        }
    }

    /// <summary>The VMM: every 1 ms of modelled time, a GET of the first slot's dirty log; every 4 ms logging flips.</summary>
    private sealed class DirtyLogFlipper((ulong Gpa, ulong Hva, ulong Size) slot, long budget) : ICpuProgram
    {
        private int _tick;
        private bool _logging;
        private bool _idle;

        public CpuWork Next(ModelledMachine machine, VirtualCpu cpu)
        {
            if (machine.Metrics.Faults >= budget) return CpuWork.Finish;
            _idle = !_idle;
            if (_idle) return CpuWork.Busy(1_000_000);
            if (++_tick % 4 == 0)
            {
                _logging = !_logging;
                return CpuWork.Run(new MemslotUpdate(machine.Kvm, machine.NextId(),
                    new MemslotRequest(0, new Ipa(slot.Gpa), slot.Size, new Hva(slot.Hva), _logging ? MemslotFlags.LogDirtyPages : MemslotFlags.None)));
            }
            return _logging ? CpuWork.Run(new DirtyLogIoctl(machine.Kvm, machine.NextId(), 0, clear: false)) : CpuWork.Busy(0);
        }
    }
}
