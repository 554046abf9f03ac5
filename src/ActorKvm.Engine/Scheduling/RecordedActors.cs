using ActorKvm.Engine.Actors;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// The numbers a recorded schedule uses for the actors of a stress run: fixed by role, not by actor path, so a
/// schedule recorded on the free-running dispatcher names the same actors on the deterministic one.
/// </summary>
public static class RecordedActors
{
    /// <summary>The workload actor.</summary>
    public const int Workload = 0;
    /// <summary>The VM actor.</summary>
    public const int Vm = 1;
    /// <summary>The <c>mmu_lock</c> actor.</summary>
    public const int MmuLock = 2;
    /// <summary>The MMU-notifier actor.</summary>
    public const int MmuNotifier = 3;
    /// <summary>The memslot manager.</summary>
    public const int Memslots = 4;
    /// <summary>vCPU 0; vCPU i is <c>FirstVcpu + i</c>.</summary>
    public const int FirstVcpu = 5;

    /// <summary>The number of a child of the VM actor, by its fixed name (<see cref="VmChildren"/>).</summary>
    public static int OfVmChild(string name) => name switch
    {
        VmChildren.MmuLock => MmuLock,
        VmChildren.MmuNotifier => MmuNotifier,
        VmChildren.Memslots => Memslots,
        _ when name.StartsWith("vcpu-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), out var v) => FirstVcpu + v,
        _ => throw new ArgumentException($"'{name}' is not a VM child", nameof(name)),
    };

    /// <summary>A readable name for messages (<c>vcpu-3</c>, <c>workload</c>).</summary>
    public static string Name(int id) => id switch
    {
        < 0 => "an actor outside the run",
        Workload => "workload",
        Vm => "vm",
        MmuLock => VmChildren.MmuLock,
        MmuNotifier => VmChildren.MmuNotifier,
        Memslots => VmChildren.Memslots,
        _ => VmChildren.Vcpu(id - FirstVcpu),
    };
}
