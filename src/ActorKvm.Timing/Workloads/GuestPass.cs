using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Seeding;
using ActorKvm.Timing.Machine;

namespace ActorKvm.Timing.Workloads;

/// <summary>
/// One vCPU's pass over its memory, as memstress's guest code does it: one access per <see cref="Stride"/> bytes of
/// [base, base + bytes), in order or at random pages, each a write with probability
/// <see cref="WritePercent"/>. An access stage 2 permits runs as guest work (consecutive ones in the same leaf as one
/// piece); one that faults runs as a <see cref="GuestAccess"/>, the model's own fault path, phase by phase.
/// </summary>
internal sealed class GuestPass(ulong @base, ulong bytes, ulong stride, int writePercent, bool random, SplitMix64 rng) : ICpuProgram
{
    /// <summary>Largest run of permitted accesses charged as one piece (one leaf at most).</summary>
    private const long MaxBatch = 512;

    private readonly long _count = (long)(bytes / stride);
    private long _done;
    private bool? _pendingWrite;
    private ulong _pendingGpa;

    public ulong Base => @base;
    public ulong Stride => stride;
    public int WritePercent => writePercent;

    public CpuWork Next(ModelledMachine machine, VirtualCpu cpu)
    {
        if (_done >= _count) return CpuWork.Finish;
        if (_pendingWrite is null)
        {
            _pendingWrite = writePercent >= 100 || (writePercent > 0 && rng.Percent(writePercent));
            _pendingGpa = random ? @base + (ulong)(long)(rng.Next() % (ulong)_count) * stride : @base + (ulong)_done * stride;
        }
        var write = _pendingWrite.Value;
        var gpa = new Ipa(_pendingGpa);
        // In order, every access of the same kind in the same leaf goes at once; at random, one at a time.
        var uniform = !random && (writePercent >= 100 || writePercent <= 0);
        var n = machine.Permitted(gpa, write, stride, uniform ? Math.Min(MaxBatch, _count - _done) : 1);
        _pendingWrite = null;
        if (n > 0)
        {
            _done += n;
            return CpuWork.Busy(n * machine.Costs["guest-access"], n);
        }
        _done++;
        return CpuWork.Run(new GuestAccess(machine.Kvm, machine.NextId(), machine.Kvm.Vcpus[cpu.Index], gpa,
            write ? AccessKind.Write : AccessKind.Read, (ulong)_done));
    }
}
