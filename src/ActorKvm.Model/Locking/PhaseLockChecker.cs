using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Locking;

/// <summary>
/// The model's phase lock checker: while an activity runs a phase, the lock sites of the model (<c>kvm_fault_lock</c> and
/// every <c>mmu_lock</c>-guarded stage-2 or notifier operation, <c>srcu_read_lock</c>, the VMA lookup and the host MM
/// changes under <c>mmap_lock</c>, <c>try_page_mte_tagging</c>, <c>kvm_swap_active_memslots</c> and the dirty log under
/// <c>slots_lock</c>) report what they take; when the phase ends, anything it took that it does not declare
/// (<see cref="Activity.Declares"/>) is recorded in <see cref="Undeclared"/>. A blocked step changes nothing and is not
/// checked. Tests require <see cref="Undeclared"/> empty; a declaration is what a parallel interleaving would schedule by.
/// </summary>
public sealed class PhaseLockChecker
{
    private readonly List<string> _undeclared = [];
    private readonly Dictionary<(Type, string?), KernelLocks> _removed = [];
    private Activity? _current;
    private KernelLocks _taken;

    /// <summary>Phases that took a lock they do not declare, one line each (the first 100).</summary>
    public IReadOnlyList<string> Undeclared => _undeclared;

    /// <summary>A lock site: the running phase takes <paramref name="locks"/> (ignored outside a phase, e.g. the oracle's reads).</summary>
    public void Took(KernelLocks locks)
    {
        if (_current is null) return;
        _taken |= locks;
        // mmap_lock is an rwsem and slots_lock a mutex: taking either may sleep (the site is named only when reported).
        if ((locks & (KernelLocks.MmapRead | KernelLocks.MmapWrite | KernelLocks.SlotsLock)) != 0 && HoldsMmuLock(out var a, out var mode))
            SleptHoldingMmuLock?.Invoke(a, locks.ToString(), mode);
    }

    /// <summary><c>kvm-&gt;mmu_lock</c>, whose holders must not sleep (set by the VM).</summary>
    public MmuLock? MmuLock { get; set; }

    /// <summary>
    /// Raised (activity, site, mode) when the running phase reaches a site that may sleep while its activity holds
    /// <c>mmu_lock</c> (in the given mode): <c>mmu_lock</c> is a spinning rwlock, so the kernel would schedule while atomic.
    /// </summary>
    public event Action<Activity, string, LockMode>? SleptHoldingMmuLock;

    /// <summary>
    /// <c>might_sleep()</c>: a site that may sleep (a GFP_KERNEL allocation such as a memcache top-up, GUP, a sleeping
    /// lock); reported when the running activity holds <c>mmu_lock</c>. Ignored outside a phase.
    /// </summary>
    public void MightSleep(string site)
    {
        if (HoldsMmuLock(out var a, out var mode)) SleptHoldingMmuLock?.Invoke(a, site, mode);
    }

    /// <summary>True while a phase runs whose activity holds <c>mmu_lock</c> (in <paramref name="mode"/>).</summary>
    private bool HoldsMmuLock(out Activity activity, out LockMode mode)
    {
        activity = _current!;
        mode = _current is null || MmuLock is null ? LockMode.None : MmuLock.ModeOf(_current.Id);
        return mode != LockMode.None;
    }

    /// <summary>
    /// Treats phase <paramref name="phase"/> of <paramref name="kind"/> as not declaring <paramref name="locks"/>: how a
    /// test shows the checker catches a missing declaration.
    /// </summary>
    public void RemoveDeclaration(Type kind, string? phase, KernelLocks locks) =>
        _removed[(kind, phase)] = _removed.GetValueOrDefault((kind, phase)) | locks;

    internal void Begin(Activity activity)
    {
        _current = activity;
        _taken = KernelLocks.None;
    }

    internal void End(Activity activity, StepResult r)
    {
        _current = null;
        if (_taken == KernelLocks.None || r.Status == StepStatus.Blocked) return;
        var declared = activity.Declares(r.Phase);
        if (_removed.Count > 0) declared &= ~_removed.GetValueOrDefault((activity.GetType(), r.Phase));
        var extra = _taken & ~declared.Implied();
        if (extra != KernelLocks.None && _undeclared.Count < 100)
            _undeclared.Add($"{activity.GetType().Name} #{activity.Id} phase '{r.Phase ?? "done"}' took {extra} it does not declare ({declared})");
    }
}
