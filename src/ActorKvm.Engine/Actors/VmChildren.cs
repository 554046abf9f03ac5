using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// The VM actor's children — their fixed names, and which one runs an activity (a guest access on its vCPU,
/// memslot and dirty-log ioctls on the memslot manager, everything the host MM does on the notifier). Routing
/// and traces both ask here, so a trace's tracks are the actors that really ran the phases.
/// </summary>
public static class VmChildren
{
    /// <summary>The <c>mmu_lock</c> actor.</summary>
    public const string MmuLock = "mmu-lock";
    /// <summary>The MMU-notifier (host MM) actor.</summary>
    public const string MmuNotifier = "mmu-notifier";
    /// <summary>The memslot manager.</summary>
    public const string Memslots = "memslots";

    /// <summary>The name of vCPU <paramref name="index"/>'s actor.</summary>
    public static string Vcpu(int index) => index < CachedVcpuNames.Length ? CachedVcpuNames[index] : $"vcpu-{index}";

    /// <summary>The vCPU that runs <paramref name="activity"/>, or -1 when a non-vCPU child runs it (see <see cref="NonVcpuOwner"/>).</summary>
    public static int VcpuOf(Activity activity) => activity switch
    {
        GuestAccess g => g.Vcpu.Index,
        PreFaultMemory p => p.Vcpu.Index, // a vCPU ioctl: it runs on the vCPU's thread
        Model.Nested.NestedTransition n => n.Vcpu.Index,
        _ => -1,
    };

    /// <summary>The non-vCPU child that runs <paramref name="activity"/>.</summary>
    public static string NonVcpuOwner(Activity activity) => activity is MemslotUpdate or DirtyLogIoctl ? Memslots : MmuNotifier;

    /// <summary>The name of the child that runs <paramref name="activity"/>.</summary>
    public static string OwnerOf(Activity activity) => VcpuOf(activity) is >= 0 and var v ? Vcpu(v) : NonVcpuOwner(activity);

    private static readonly string[] CachedVcpuNames = Enumerable.Range(0, 512).Select(i => $"vcpu-{i}").ToArray();
}
