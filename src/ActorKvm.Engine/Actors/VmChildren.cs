namespace ActorKvm.Engine.Actors;

/// <summary>
/// The VM actor's children's fixed names. Which one runs an activity is <see cref="Scheduling.Owner"/>'s (routing
/// and traces both ask it, so a trace's tracks are the actors that really ran the phases).
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

    private static readonly string[] CachedVcpuNames = Enumerable.Range(0, 512).Select(i => $"vcpu-{i}").ToArray();
}
