using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Vm;

/// <summary>One vCPU's stage-2 fault resources (<c>struct kvm_vcpu_arch</c>): its page-table memory cache.</summary>
public sealed class Vcpu
{
    /// <summary>Creates vCPU <paramref name="index"/>.</summary>
    public Vcpu(int index, int memcacheCapacity = KvmMmuMemoryCache.DefaultCapacity)
    {
        Index = index;
        MmuPageCache = new KvmMmuMemoryCache(memcacheCapacity);
        // The memcache is set up at vCPU creation; a fault path that selects it conditionally is bug 157dbc4a321f.
        MmuPageCache.Init();
    }

    /// <summary><c>vcpu-&gt;vcpu_idx</c>.</summary>
    public int Index { get; }

    /// <summary><c>vcpu-&gt;arch.mmu_page_cache</c>.</summary>
    public KvmMmuMemoryCache MmuPageCache { get; }

    /// <summary>The L2 context while the vCPU runs a nested guest (<c>hw_mmu</c> is then a nested MMU), else null.</summary>
    public Nested.NestedS2Mmu? Nested { get; set; }

    /// <summary>The stage 2 the hardware walks for this vCPU now: the shadow while L2 runs, else <paramref name="canonical"/>.</summary>
    public Stage2PageTable HwPgt(Stage2PageTable canonical) => Nested?.Shadow ?? canonical;
}
