using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// A second MTE tag initialiser of a shared page (<c>mte-sync-tags</c>): another mapping of the shared memory behind
/// an HVA — the VMM's <c>PROT_MTE</c> alias of a memfd, or another process — installs a tagged PTE for the page, and
/// <c>set_pte_at</c> calls <c>mte_sync_tags</c>. Two phases, so a fault can interleave between them: [mte-claim] the
/// claim (<c>try_page_mte_tagging</c>; before d77e59a8fccd a <c>test_and_set_bit(PG_mte_tagged)</c>), then the clear
/// (<c>mte_clear_page_tags</c>, <c>set_page_mte_tagged</c>). The page is referenced throughout, as the PTE lock and
/// the page reference of the installing fault keep it in place.
/// </summary>
public sealed class MteSyncTags : Activity, IReturnsErrno
{
    private Folio? _folio;
    private PageMte? _page;
    private Pfn _pfn;

    /// <summary>Creates the operation on the page behind <paramref name="hva"/>.</summary>
    public MteSyncTags(Kvm kvm, int id, Hva hva) : base(kvm, id) => Hva = hva;

    /// <summary>The address in the primary mapping of the shared memory.</summary>
    public Hva Hva { get; }
    /// <summary>Ok; EINVAL when the memory is not shared MTE-capable memory (<c>PROT_MTE</c> needs <c>VM_MTE_ALLOWED</c>); EFAULT when the page cannot be faulted in.</summary>
    public Errno Result { get; private set; }
    /// <summary>The page this call covers, once faulted in: the oracle checks its tags when the call returns (<c>untagged-mte-page</c>).</summary>
    public Pfn? SyncedPfn { get; private set; }

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        if (IsDone) throw new InvalidOperationException("mte-sync-tags already finished");
        return _page is null ? Claim() : Clear();
    }

    private StepResult Claim()
    {
        // Only shared memory has a second mapping of the same page; arch_validate_flags refuses PROT_MTE elsewhere.
        if (Kvm.Mm.FindVma(Hva) is not { Backing: BackingKind.Shmem, MteAllowed: true, Shared: true }) return End(Errno.EINVAL);
        var preFix = Kvm.Bugs.IsOn(MteTagInitRace.Name);
        // Waiting for another initialiser is found before anything changes (a blocked step changes nothing): on the page
        // a fault would map, also when only the page cache holds it (a zap after the initialiser's claim).
        if (!preFix && Kvm.Mm.PageAt(Hva) is { } at && at.Folio.MteAt(at.Pfn) is { } claimed && claimed.ClaimedByOther(Id))
            return StepResult.BlockedOn(WaitFor.PageMteLock, "PG_mte_lock (try_page_mte_tagging)", [claimed.LockHolder]);
        var r = Kvm.Mm.FaultIn(Hva, write: false, takeRef: true);
        if (r.Status != HostFaultStatus.Ok || r.Folio is null) return End(Errno.EFAULT);
        SyncedPfn = r.Pfn;
        var page = r.Folio.MteOfPfn(r.Pfn);
        // d77e59a8fccd: mte_sync_tags claims the page with PG_mte_lock; before it, test_and_set_bit(PG_mte_tagged).
        Kvm.LockChecker.Took(KernelLocks.PageLock); // try_page_mte_tagging: PG_mte_lock
        if (!(preFix ? MteTagInitRace.SyncClaim(page) : page.TryPageMteTagging(Id) == MteClaim.Claimed))
        {
            Kvm.Mm.PutPage(r.Folio, dirty: false);
            return End(Errno.Ok);
        }
        (_folio, _page, _pfn) = (r.Folio, page, r.Pfn);
        return StepResult.Progress(Fault.PhaseNames.MteSync[0]);
    }

    private StepResult Clear()
    {
        // Before the fix the claim had set the flag already, so only the clear is left; after it, set_page_mte_tagged
        // is what releases PG_mte_lock's waiters.
        var wiped = Kvm.Bugs.IsOn(MteTagInitRace.Name) ? _page!.MteClearPageTags() : _page!.InitialiseTags();
        if (wiped) Kvm.Oracle.MteTagsWiped(_pfn, _page, "mte_sync_tags");
        Kvm.Mm.PutPage(_folio!, dirty: false);
        return End(Errno.Ok);
    }

    private StepResult End(Errno result)
    {
        Result = result;
        return StepResult.Finished(null);
    }

    /// <inheritdoc/>
    /// <remarks><c>set_pte_at</c> → <c>mte_sync_tags</c> in the VMM's fault (<c>mmap_lock</c> read): PG_mte_lock, then the tags.</remarks>
    public override KernelLocks Declares(string? phase) => KernelLocks.MmapRead | KernelLocks.PageLock;
}
