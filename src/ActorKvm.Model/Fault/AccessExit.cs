using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Fault;

/// <summary>How a guest access ended (scenario <c>expect.result</c>).</summary>
public enum AccessExitKind : byte
{
    /// <summary>The access completed in the guest.</summary>
    Ok,
    /// <summary><c>KVM_EXIT_MMIO</c> to userspace.</summary>
    Mmio,
    /// <summary><c>KVM_RUN</c> failed with <see cref="AccessExit.Errno"/>.</summary>
    Errno,
    /// <summary>SIGBUS (<c>BUS_MCEERR_AR</c>) from <c>kvm_send_hwpoison_signal</c>.</summary>
    SigbusHwpoison,
    /// <summary>A data abort was injected.</summary>
    InjectDabt,
    /// <summary>A prefetch abort was injected.</summary>
    InjectIabt,
    /// <summary><c>kvm_inject_dabt_excl_atomic</c>.</summary>
    InjectExclAtomic,
    /// <summary>The stage-2 fault was forwarded to the L1 hypervisor.</summary>
    InjectL1,
    /// <summary><c>kvm_inject_size_fault</c>: IPA beyond the host's limit.</summary>
    InjectSizeFault,
    /// <summary>Cache maintenance on something that is not memory was skipped.</summary>
    SkipCm,
    /// <summary><c>KVM_EXIT_MEMORY_FAULT</c>.</summary>
    MemoryFault,
    /// <summary>An SError was injected (<c>kvm_handle_guest_sea</c> when firmware-first RAS does not claim the SEA).</summary>
    InjectSerror,
    /// <summary><c>KVM_EXIT_ARM_NISV</c>: an access without a valid syndrome handed to userspace (<c>KVM_CAP_ARM_NISV_TO_USER</c>).</summary>
    Nisv,
    /// <summary>The access kept faulting with nothing changing (a progress failure, never the kernel's intent).</summary>
    Livelock,
}

/// <summary>An access's exit with its errno, if any.</summary>
public readonly record struct AccessExit(AccessExitKind Kind, Errno Errno = Errno.Ok)
{
    /// <summary>The access completed.</summary>
    public static AccessExit Completed => new(AccessExitKind.Ok);

    /// <summary><c>KVM_RUN</c> fails with <paramref name="e"/>.</summary>
    public static AccessExit Fail(Errno e) => new(AccessExitKind.Errno, e);

    /// <summary>The scenario name ("ok", "mmio", "efault", "inject-dabt", ...).</summary>
    public string Name => Kind switch
    {
        AccessExitKind.Ok => "ok",
        AccessExitKind.Mmio => "mmio",
        AccessExitKind.Nisv => "nisv",
        AccessExitKind.Errno => Errno.ToScenarioName(),
        AccessExitKind.SigbusHwpoison => "sigbus-hwpoison",
        AccessExitKind.InjectDabt => "inject-dabt",
        AccessExitKind.InjectIabt => "inject-iabt",
        AccessExitKind.InjectExclAtomic => "inject-excl-atomic",
        AccessExitKind.InjectL1 => "inject-l1",
        AccessExitKind.InjectSizeFault => "inject-size-fault",
        AccessExitKind.SkipCm => "skip-cm",
        AccessExitKind.MemoryFault => "memory-fault",
        AccessExitKind.Livelock => "livelock",
        AccessExitKind.InjectSerror => "inject-serror",
        _ => Kind.ToString(),
    };
}
