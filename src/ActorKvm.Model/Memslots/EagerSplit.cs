using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Memslots;

/// <summary>
/// <c>kvm_mmu_split_huge_pages</c>: in chunks of <c>KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE</c>, top the split
/// cache up to <c>kvm_mmu_split_nr_page_tables(chunk)</c> and split every block into a fully populated table.
/// Best effort: a failed top-up ends splitting silently.
/// </summary>
public static class EagerSplit
{
    /// <summary>Splits [start, start+size) under the write lock held by <paramref name="holder"/>; no-op when eager split is off.</summary>
    /// <remarks>A failed top-up or split stops splitting early (blocks may remain, read-only), as in the kernel.</remarks>
    public static void SplitRange(Kvm kvm, int holder, Ipa start, ulong size)
    {
        var chunk = kvm.Config.EagerSplitChunk;
        if (chunk == 0) return;
        var cache = kvm.SplitPageCache;
        var end = start + size;
        for (var a = start; a < end;)
        {
            var next = a.AlignDown(chunk) + chunk;
            if (next > end) next = end;
            var need = NrPageTables(chunk);
            if (cache.TopUp(need) != Errno.Ok || kvm.S2Split(holder, a, next - a, cache) != Errno.Ok)
            {
                kvm.Oracle.Reach.Hit(Oracle.ReachPoint.EagerSplitCut);
                return;
            }
            a = next;
        }
        kvm.Oracle.Reach.Hit(Oracle.ReachPoint.EagerSplitDone);
    }

    /// <summary><c>kvm_mmu_split_nr_page_tables</c>: table pages to split every block of a <paramref name="chunk"/> down to pages.</summary>
    public static int NrPageTables(ulong chunk) => (int)(DivUp(chunk, Sizes.PudSize) + DivUp(chunk, Sizes.PmdSize));

    private static ulong DivUp(ulong a, ulong b) => (a + b - 1) / b;
}
