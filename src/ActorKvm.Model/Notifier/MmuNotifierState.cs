using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// The per-VM MMU-notifier bookkeeping of <c>struct kvm</c>: <c>mmu_invalidate_seq</c>,
/// <c>mmu_invalidate_in_progress</c>, the accumulated invalidation range and
/// <c>mn_active_invalidate_count</c>. Begin/RangeAdd/End require the <c>mmu_lock</c> write side;
/// the caller proves it holds it (the lock checker reports a <c>lock-violation</c> otherwise).
/// </summary>
public sealed class MmuNotifierState
{
    /// <summary><c>INVALID_GPA</c> as a gfn-range marker.</summary>
    public const ulong InvalidGfn = ulong.MaxValue;

    /// <summary><c>kvm-&gt;mmu_invalidate_seq</c>: only increases, once per completed invalidation.</summary>
    public ulong MmuInvalidateSeq { get; private set; }
    /// <summary><c>kvm-&gt;mmu_invalidate_in_progress</c>.</summary>
    public int MmuInvalidateInProgress { get; private set; }
    /// <summary><c>kvm-&gt;mmu_invalidate_range_start</c> (gfn).</summary>
    public ulong RangeStart { get; private set; } = InvalidGfn;
    /// <summary><c>kvm-&gt;mmu_invalidate_range_end</c> (gfn, exclusive).</summary>
    public ulong RangeEnd { get; private set; } = InvalidGfn;
    /// <summary><c>kvm-&gt;mn_active_invalidate_count</c>: notifier start() calls not yet matched by end(); memslot swaps wait for 0.</summary>
    public int MnActiveInvalidateCount { get; private set; }

    /// <summary>First half of <c>kvm_mmu_notifier_invalidate_range_start</c>, under <c>mn_invalidate_lock</c>.</summary>
    public void ActiveInvalidateStart() => MnActiveInvalidateCount++;

    /// <summary>Last step of <c>kvm_mmu_notifier_invalidate_range_end</c>.</summary>
    public void ActiveInvalidateEnd()
    {
        if (MnActiveInvalidateCount <= 0) throw new InvalidOperationException("mn_active_invalidate_count underflow");
        MnActiveInvalidateCount--;
    }

    /// <summary><c>kvm_mmu_invalidate_begin</c> (write lock held): in-progress +1; the range resets when it becomes 1.</summary>
    public void InvalidateBegin()
    {
        MmuInvalidateInProgress++;
        if (MmuInvalidateInProgress == 1)
        {
            RangeStart = InvalidGfn;
            RangeEnd = InvalidGfn;
        }
    }

    /// <summary><c>kvm_mmu_invalidate_range_add</c>: ranges of concurrent invalidations accumulate into one hull.</summary>
    public void InvalidateRangeAdd(Gfn start, Gfn end)
    {
        if (MmuInvalidateInProgress == 0) throw new InvalidOperationException("range_add outside an invalidation");
        if (RangeStart == InvalidGfn)
        {
            RangeStart = start.Value;
            RangeEnd = end.Value;
        }
        else
        {
            RangeStart = Math.Min(RangeStart, start.Value);
            RangeEnd = Math.Max(RangeEnd, end.Value);
        }
    }

    /// <summary>
    /// <c>kvm_mmu_invalidate_end</c> (write lock held): seq++ then (after <c>smp_wmb</c>) in-progress -1, so a
    /// reader sees either the old non-zero count or the new sequence.
    /// </summary>
    public void InvalidateEnd()
    {
        MmuInvalidateSeq++;
        if (MmuInvalidateInProgress <= 0) throw new InvalidOperationException("mmu_invalidate_in_progress underflow");
        MmuInvalidateInProgress--;
    }

    /// <summary>
    /// <c>mmu_invalidate_retry</c>, the range-blind predicate arm64 uses: retry while any invalidation is in
    /// progress anywhere in the VM, or when the sequence moved since <paramref name="mmuSeq"/>.
    /// </summary>
    public bool Retry(ulong mmuSeq) => MmuInvalidateInProgress != 0 || MmuInvalidateSeq != mmuSeq;

    /// <summary><c>mmu_invalidate_retry_gfn</c> (x86's range-aware variant), kept for comparison.</summary>
    public bool RetryGfn(ulong mmuSeq, Gfn gfn)
    {
        if (MmuInvalidateInProgress != 0)
        {
            if (RangeStart == InvalidGfn) return true;
            if (gfn.Value >= RangeStart && gfn.Value < RangeEnd) return true;
        }
        return MmuInvalidateSeq != mmuSeq;
    }
}
