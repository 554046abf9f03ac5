using ActorKvm.Model.Vm;

namespace ActorKvm.Timing.Machine;

/// <summary>
/// A CPU of the modelled machine: a vCPU thread or a host thread (the VMM's ioctl thread, the host MM), with its own
/// clock in nanoseconds. It runs one activity at a time; while the activity waits (a lock, SRCU, an invalidation in
/// progress) the CPU is held and its clock stands still until a step of whoever it waits for releases it.
/// </summary>
public sealed class VirtualCpu
{
    internal VirtualCpu(int index, string name, bool isVcpu)
    {
        Index = index;
        Name = name;
        IsVcpu = isVcpu;
    }

    /// <summary>Position in the machine (also the tie-break identity).</summary>
    public int Index { get; }
    /// <summary>Track name: <c>vcpu-N</c> or the host thread's name.</summary>
    public string Name { get; }
    /// <summary>True for a vCPU, false for a host thread.</summary>
    public bool IsVcpu { get; }
    /// <summary>This CPU's modelled time, ns.</summary>
    public double Clock { get; internal set; }
    /// <summary>When the current segment started on this CPU, ns.</summary>
    public double SegmentStart { get; internal set; }
    /// <summary>Faults this CPU took (vCPUs).</summary>
    public long Faults { get; internal set; }
    /// <summary>Modelled ns this CPU spent in segments that ran a program to its end (for per-CPU rates).</summary>
    public double BusySpan { get; internal set; }
    /// <summary>Modelled ns charged as CPU-local costs (what a calibration scales).</summary>
    public double LocalNs { get; internal set; }

    internal ICpuProgram? Program { get; set; }
    internal bool Finished { get; set; } = true;
    internal Activity? Current { get; set; }
    internal double ActivityStart { get; set; }
    internal bool Waiting { get; set; }
    internal double? WaitSince { get; set; }
    internal Wait? Wait { get; set; }
}

/// <summary>What a CPU's program does next: run an activity, stay busy in the guest for a while, or finish.</summary>
public readonly record struct CpuWork(Activity? Activity, double BusyNs, long Accesses, bool IsFinished)
{
    /// <summary>Run <paramref name="activity"/> to its end, phase by phase.</summary>
    public static CpuWork Run(Activity activity) => new(activity, 0, 0, false);
    /// <summary>Guest work that needs no exit: <paramref name="accesses"/> accesses taking <paramref name="ns"/>.</summary>
    public static CpuWork Busy(double ns, long accesses = 0) => new(null, ns, accesses, false);
    /// <summary>The program is done for this segment.</summary>
    public static CpuWork Finish => new(null, 0, 0, true);
}

/// <summary>The code a virtual CPU runs in one segment: a guest's access loop, a VMM's ioctls, the host MM.</summary>
public interface ICpuProgram
{
    /// <summary>The next piece of work for <paramref name="cpu"/> (asked when its previous one finished).</summary>
    CpuWork Next(ModelledMachine machine, VirtualCpu cpu);

    /// <summary>An activity this program started has finished.</summary>
    void Completed(ModelledMachine machine, VirtualCpu cpu, Activity activity) { }
}
