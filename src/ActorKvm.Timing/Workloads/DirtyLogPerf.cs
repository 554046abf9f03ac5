using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Variants;
using ActorKvm.Model.Vm;
using ActorKvm.Timing.Costs;
using ActorKvm.Timing.Machine;
using ActorKvm.Timing.Report;

namespace ActorKvm.Timing.Workloads;

/// <summary>
/// The knobs of a <c>dirty_log_perf_test</c>-style run (tools/testing/selftests/kvm/dirty_log_perf_test.c), in its own
/// letters where it has them: <c>-v</c> vCPUs, <c>-b</c> bytes per vCPU, <c>-s</c> backing, <c>-i</c> iterations,
/// <c>-w</c> write percent, <c>-a</c> random access, and eager split (<c>KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE</c>).
/// <see cref="Stride"/> (one access per stride; memstress uses the guest page size) is ours, for the sparse 2M-stride
/// writes of the eager-split measurements.
/// </summary>
public sealed record DirtyLogPerfOptions(
    int Vcpus = 1,
    ulong BytesPerVcpu = 64UL << 20,
    BackingKind Backing = BackingKind.Thp,
    int Iterations = 2,
    int WritePercent = 100,
    bool RandomAccess = false,
    bool EagerSplit = false,
    ulong Stride = Sizes.PageSize,
    ulong Seed = 1)
{
    /// <summary>Variants on (a proposed or older lock design).</summary>
    public VariantSet Variants { get; init; } = VariantSet.None;
    /// <summary>ARM64_HAS_STAGE2_FWB on the modelled host (the papers' Ampere Altra, Neoverse N1, has none).</summary>
    public bool S2Fwb { get; init; }
}

/// <summary>What one <see cref="DirtyLogPerf"/> run reports, as dirty_log_perf_test does, in modelled seconds.</summary>
public sealed record DirtyLogPerfResult(
    DirtyLogPerfOptions Options, double PopulateNs, double EnableNs, IReadOnlyList<double> PassNs, IReadOnlyList<double> GetNs,
    double DisableNs, ModelledMachine Machine)
{
    /// <summary>The metrics of the whole run.</summary>
    public ModelledMetrics Metrics => Machine.Metrics;
}

/// <summary>
/// A <c>dirty_log_perf_test</c> on modelled time: populate (every vCPU writes all its memory), enable dirty logging
/// (<c>KVM_MEM_LOG_DIRTY_PAGES</c>: write-protect, eager split when on), then per iteration a dirty pass by every vCPU
/// and a <c>KVM_GET_DIRTY_LOG</c> (harvest and write-protect in one, no manual protect), then disable logging. Each
/// part is a segment behind a barrier, timed as the test times it: from its start until the last vCPU (or the ioctl)
/// finished. One memslot over all vCPUs' memory, each vCPU its own <see cref="DirtyLogPerfOptions.BytesPerVcpu"/>.
/// </summary>
public static class DirtyLogPerf
{
    /// <summary>Guest physical address of the slot (1 GiB aligned).</summary>
    public const ulong GpaBase = 0x4000_0000;
    /// <summary>Host virtual address of its memory.</summary>
    public const ulong HvaBase = 0x7f00_0000_0000;

    /// <summary>Runs it.</summary>
    /// <exception cref="ArgumentException">Options out of range (the message names the knob).</exception>
    public static DirtyLogPerfResult Run(DirtyLogPerfOptions o, ModelledCosts costs, ModelledTrace? trace = null)
    {
        Check(o);
        var total = o.BytesPerVcpu * (ulong)o.Vcpus;
        var config = new KvmConfig(IpaBits: 44, Vcpus: o.Vcpus, S2Fwb: o.S2Fwb, EagerSplitChunk: o.EagerSplit ? Sizes.PmdSize : 0);
        var kvm = new Kvm(config) { Variants = o.Variants };
        kvm.Mm.Mmap(new Hva(HvaBase), total, o.Backing, HostProt.Read | HostProt.Write, shared: false);
        var create = new MemslotUpdate(kvm, 1, new MemslotRequest(0, new Ipa(GpaBase), total, new Hva(HvaBase), MemslotFlags.None));
        create.RunToEnd();
        if (create.Result != Errno.Ok) throw new ArgumentException($"the memslot was refused: {create.Result}");
        var m = new ModelledMachine(kvm, costs, o.Seed, trace);
        m.ReserveIds(1);
        var vcpus = Enumerable.Range(0, o.Vcpus).Select(i => m.AddCpu($"vcpu-{i}", true)).ToArray();
        var vmm = m.AddCpu("vmm", false);
        var rng = new SplitMix64(o.Seed);

        List<(VirtualCpu, ICpuProgram)> Pass(int writePercent, bool random) =>
            [.. vcpus.Select(c => ((VirtualCpu)c, (ICpuProgram)new GuestPass(GpaBase + (ulong)c.Index * o.BytesPerVcpu, o.BytesPerVcpu, o.Stride, writePercent, random, new SplitMix64(rng.Next()))))];
        double Time((double Start, double End) s) => s.End - s.Start;
        double Ioctl(Activity a) => Time(m.RunSegment([(vmm, new OneActivity(a))]));

        var populate = Time(m.RunSegment(Pass(100, false)));
        var enable = Ioctl(new MemslotUpdate(kvm, m.NextId(), new MemslotRequest(0, new Ipa(GpaBase), total, new Hva(HvaBase), MemslotFlags.LogDirtyPages)));
        var passes = new List<double>();
        var gets = new List<double>();
        for (var i = 0; i < o.Iterations; i++)
        {
            passes.Add(Time(m.RunSegment(Pass(o.WritePercent, o.RandomAccess))));
            gets.Add(Ioctl(new DirtyLogIoctl(kvm, m.NextId(), 0, clear: false)));
        }
        var disable = Ioctl(new MemslotUpdate(kvm, m.NextId(), new MemslotRequest(0, new Ipa(GpaBase), total, new Hva(HvaBase), MemslotFlags.None)));
        return new DirtyLogPerfResult(o, populate, enable, passes, gets, disable, m);
    }

    private static void Check(DirtyLogPerfOptions o)
    {
        if (o.Vcpus is < 1 or > 512) throw new ArgumentException($"-v: expected 1..512 vCPUs, got {o.Vcpus}");
        if (o.Stride < Sizes.PageSize || o.Stride % Sizes.PageSize != 0) throw new ArgumentException($"--stride: expected a multiple of 4K, got {o.Stride}");
        if (o.BytesPerVcpu < o.Stride || o.BytesPerVcpu % Sizes.PmdSize != 0) throw new ArgumentException($"-b: expected a multiple of 2M and at least the stride, got {o.BytesPerVcpu}");
        if (o.BytesPerVcpu * (ulong)o.Vcpus > 1UL << 40) throw new ArgumentException("-b × -v: more than 1 TiB of guest memory");
        if (o.Iterations is < 1 or > 1000) throw new ArgumentException($"-i: expected 1..1000, got {o.Iterations}");
        if (o.WritePercent is < 0 or > 100) throw new ArgumentException($"-w: expected 0..100, got {o.WritePercent}");
    }
}

/// <summary>A program that runs one activity (an ioctl on the VMM thread).</summary>
internal sealed class OneActivity(Activity activity) : ICpuProgram
{
    private bool _started;

    public CpuWork Next(ModelledMachine machine, VirtualCpu cpu)
    {
        if (_started) return CpuWork.Finish;
        _started = true;
        return CpuWork.Run(activity);
    }
}
