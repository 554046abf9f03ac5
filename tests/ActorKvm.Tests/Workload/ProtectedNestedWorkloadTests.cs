using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Oracle;

namespace ActorKvm.Tests.Workload;

/// <summary>The stress workload on a protected VM (<c>pkvm_mem_abort</c>) and with vCPUs running L2 (shadow stage 2).</summary>
public class ProtectedNestedWorkloadTests
{
    private static StressResult Run(WorkloadOptions o, ulong seed, BugSet? bugs = null) =>
        StressRun.RunDeterministic(o with { Seed = seed }, new SeededStrategy(seed), EngineConfig.Load(), bugs);

    [Fact]
    public void ProtectedRun_MapsPinnedPages_PinnedPagesRefuseHostOpsWithEbusy_NoViolationNoLeak()
    {
        var r = Run(new WorkloadOptions(Vcpus: 3, Memory: 16UL << 20, MaxFaults: 3000, InvalidateEvery: 4, Protected: true), 7);

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.OutstandingFaultRefs); // long-term pins stay until the VM is destroyed: not fault references
        Assert.True(r.Stats.ByResult.GetValueOrDefault(FaultResult.Map) > 1000);
        Assert.Equal(0, r.Stats.ByResult.GetValueOrDefault(FaultResult.Young)); // translation faults only: nothing ages
        Assert.Equal(0, r.Stats.ByResult.GetValueOrDefault(FaultResult.Retry)); // no mmu_seq check in pkvm_mem_abort
        Assert.True(r.Stats.HostOpErrors.GetValueOrDefault("ebusy") > 0);
        Assert.Equal(0, r.Stats.MemslotOps); // no dirty logging, no slot moves
        Assert.True(r.PagesReadBack > 0);
    }

    [Fact]
    public void ProtectedRun_DefaultLayout_DeviceSlotsFailTheirFaultsAsCountedExits()
    {
        var r = Run(new WorkloadOptions(Vcpus: 2, MaxFaults: 3000, Protected: true), 3);

        Assert.Empty(r.Violations);
        // pin_user_pages fails on VM_PFNMAP (-EFAULT); device memory with struct pages is not swap-backed (refused).
        Assert.True(r.Stats.ByExit.GetValueOrDefault("efault") > 0);
        Assert.True(r.Stats.ByExit.GetValueOrDefault("eio") > 0);
    }

    [Fact]
    public void NestedRun_FillsShadowStage2s_InjectsL1sOwnFaults_NoViolation()
    {
        var r = Run(new WorkloadOptions(Vcpus: 2, Memory: 16UL << 20, MaxFaults: 3000, InvalidateEvery: 4, Nested: true), 11);

        Assert.Empty(r.Violations);
        Assert.Equal(0, r.OutstandingFaultRefs);
        Assert.True(r.Stats.ByResult.GetValueOrDefault(FaultResult.Map) > 500);
        Assert.True(r.Stats.ByResult.GetValueOrDefault(FaultResult.Retry) > 0);
        Assert.True(r.Stats.ByExit.GetValueOrDefault("inject-l1") > 0);
    }

    [Fact]
    public void NestedRunOnOneL2Vcpu_RetryIgnoringInProgress_LeavesStaleShadowLeaves()
    {
        // Only vCPU 0, which runs L2: every stage-2 leaf of the run is a shadow leaf.
        var o = new WorkloadOptions(Vcpus: 1, MaxFaults: 3000, InvalidateEvery: 2, Nested: true);
        Assert.Empty(Run(o, 5).Violations);
        var r = Run(o, 5, new BugSet([RetryIgnoresInProgress.Name]));
        Assert.Contains(r.Violations, v => v.Kind == ViolationKind.StaleMapping);
    }

    [Fact]
    public void L1Stage2_SwapsWindowPairs_MixesShapesAndPermissions_AndCoversTheMovedSlot()
    {
        var slot = new WorkloadSlot(0, 0x4000_0000, 16UL << 20, 0, 0, 16UL << 20, Model.Host.BackingKind.Anon);
        var maps = NestedL2.L1Stage2([slot], moving: slot);

        var first = Assert.Single(maps, m => m.L2Ipa.Value == 0x4000_0000);
        Assert.Equal(0x4020_0000UL, first.L1Ipa.Value); // fault_ipa and ipa differ
        Assert.Contains(maps, m => m.Perms == S2Prot.R && m.Size == Sizes.PmdSize);
        Assert.Contains(maps, m => m.Size == Sizes.PageSize);
        Assert.DoesNotContain(maps, m => m.L2Ipa.Value == 0x40e0_0000); // window 7: L1 maps nothing there
        Assert.Contains(maps, m => m.L2Ipa.Value == 0x4000_0000 + WorkloadVm.MoveOffset);
        Assert.Equal(maps.Count, maps.Select(m => m.L2Ipa).Distinct().Count());
    }

    [Fact]
    public void L1Stage2_AGigabyteInsideASlot_IsOne1GBlock()
    {
        var slot = new WorkloadSlot(0, 0x4000_0000, 3UL << 30, 0, 0, 3UL << 30, Model.Host.BackingKind.Thp);
        var maps = NestedL2.L1Stage2([slot], moving: null);
        Assert.Equal(3, maps.Count);
        Assert.All(maps, m => Assert.Equal(Sizes.PudSize, m.Size));
    }
}
