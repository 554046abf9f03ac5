using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Tests.Stage2;

public class KvmMmuMemoryCacheTests
{
    [Fact]
    public void NewCache_IsUninitialisedAndEmpty()
    {
        var mc = new KvmMmuMemoryCache();
        Assert.False(mc.Initialised);
        Assert.Equal(0, mc.Count);
        Assert.False(mc.TryTake());
    }

    [Fact]
    public void TopUp_InitialisesAndGuaranteesMinPages()
    {
        var mc = new KvmMmuMemoryCache(capacity: 3);
        Assert.Equal(Errno.Ok, mc.TopUp(3));
        Assert.True(mc.Initialised);
        Assert.Equal(3, mc.Count);
        Assert.True(mc.TryTake());
        Assert.Equal(Errno.Ok, mc.TopUp(1));
        Assert.Equal(2, mc.Count);
        Assert.Equal(1, mc.PagesConsumed);
    }

    // __kvm_mmu_topup_memory_cache: once below min it fills to capacity (40 on arm64), so later permission
    // faults that skip the top-up still find pages.
    [Fact]
    public void TopUpBelowMin_FillsToCapacity()
    {
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(2));
        Assert.Equal(KvmMmuMemoryCache.DefaultCapacity, mc.Count);
        for (var i = 0; i < KvmMmuMemoryCache.DefaultCapacity - 1; i++) Assert.True(mc.TryTake());
        Assert.Equal(Errno.Ok, mc.TopUp(1)); // at min: nothing to do
        Assert.Equal(1, mc.Count);
    }

    [Fact]
    public void TopUpWhenAllocationsFail_ReturnsEnomemUnlessAlreadyEnough()
    {
        var mc = new KvmMmuMemoryCache { FailAllocations = true };
        Assert.Equal(Errno.ENOMEM, mc.TopUp(2));
        Assert.True(mc.Initialised);
        Assert.Equal(Errno.Ok, mc.TopUp(0));
        mc.FailAllocations = false;
        Assert.Equal(Errno.Ok, mc.TopUp(2));
        mc.FailAllocations = true;
        Assert.Equal(Errno.Ok, mc.TopUp(2));
    }

    [Fact]
    public void InitWithoutPages_IsInitialisedButEmpty()
    {
        var mc = new KvmMmuMemoryCache();
        mc.Init();
        Assert.True(mc.Initialised);
        Assert.Equal(0, mc.Count);
    }

    [Fact]
    public void Free_DropsPagesAndUninitialises()
    {
        var mc = new KvmMmuMemoryCache();
        mc.TopUp(4);
        mc.Free();
        Assert.False(mc.Initialised);
        Assert.Equal(0, mc.Count);
    }
}
