using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Fault;

/// <summary>
/// The handler's working state for one abort (<c>struct kvm_s2_fault</c> minus what the maintainers asked to
/// split out): only what a phase computes for a later phase. The architectural fault is
/// <see cref="GuestAbort"/>; the hypervisor context is <see cref="S2FaultDesc"/>. One instance per vCPU is
/// reused across faults so the fault path does not allocate.
/// </summary>
public sealed class KvmS2Fault
{
    /// <summary>The memcache a map may allocate from (<c>prepare_mmu_memcache</c>).</summary>
    public KvmMmuMemoryCache? Memcache { get; internal set; }
    /// <summary>The VMA snapshot.</summary>
    public VmaInfo Vma { get; internal set; }
    /// <summary>Where the leaf goes, aligned down to the mapping size.</summary>
    public Ipa FaultIpa { get; internal set; }
    /// <summary>The canonical IPA (memslot, pfn, dirty), aligned down to the VMA page size.</summary>
    public Ipa Ipa { get; internal set; }
    /// <summary><c>gfn = ipa &gt;&gt; PAGE_SHIFT</c>.</summary>
    public Gfn Gfn { get; internal set; }
    /// <summary>The <c>mmu_invalidate_seq</c> snapshot taken before <c>mmap_read_unlock</c>.</summary>
    public ulong MmuSeq { get; internal set; }
    /// <summary>The pfn to map.</summary>
    public Pfn Pfn { get; internal set; }
    /// <summary>The referenced page from <c>__kvm_faultin_pfn</c>, held until released; null for PFNMAP.</summary>
    public Folio? Page { get; internal set; }
    /// <summary>The folio pinned long-term by <c>pkvm_mem_abort</c> (kept by a mapped protected page, never released here).</summary>
    public Folio? Pinned { get; internal set; }
    /// <summary><c>writable</c>: the host mapping may be written (narrowed by logging / nesting).</summary>
    public bool Writable { get; internal set; }
    /// <summary><c>s2_force_noncacheable</c>.</summary>
    public bool ForceNoncacheable { get; internal set; }
    /// <summary>The stage-2 prot computed before the lock (<c>kvm_s2_fault_compute_prot</c>).</summary>
    public S2Prot Prot { get; internal set; }
    /// <summary>The leaf decided under the lock after the retry check (default until then).</summary>
    public KvmS2FaultMapping Mapping { get; internal set; }
    /// <summary>The leaf size (<see cref="Mapping"/>'s): <c>vma_pagesize</c> after THP adjustment; 0 before the retry check.</summary>
    public ulong MapSize => Mapping.Size;
    /// <summary>The handler's return code so far (<c>ret</c>).</summary>
    public Errno Ret { get; internal set; }
    /// <summary>The lsb reported with SIGBUS for a poisoned page, or -1.</summary>
    public int SigbusLsb { get; internal set; } = -1;

    /// <summary>Clears everything for the next abort.</summary>
    public void Reset()
    {
        Memcache = null;
        Vma = default;
        FaultIpa = default;
        Ipa = default;
        Gfn = default;
        MmuSeq = 0;
        Pfn = default;
        Page = null;
        Pinned = null;
        Writable = false;
        ForceNoncacheable = false;
        Prot = S2Prot.None;
        Mapping = default;
        Ret = Errno.Ok;
        SigbusLsb = -1;
    }
}
