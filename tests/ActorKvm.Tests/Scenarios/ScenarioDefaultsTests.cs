using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using static ActorKvm.Tests.Scenarios.ScenarioText;

namespace ActorKvm.Tests.Scenarios;

public class ScenarioDefaultsTests
{
    [Fact]
    public void NameOnly_GetsEveryVmDefaultOfTheFormat()
    {
        var s = Ok("name = \"n\"");
        Assert.Equal("n", s.Name);
        Assert.Null(s.Description);
        Assert.Equal(40, s.Vm.IpaBits);
        Assert.Equal(1, s.Vm.Vcpus);
        Assert.False(s.Vm.Protected);
        Assert.Equal(0UL, s.Vm.EagerSplitChunk);
        Assert.False(s.Vm.ManualDirtyProtect);
        Assert.False(s.Vm.InitiallyAllSet);
        Assert.Equal(new VmFeatures(S2Fwb: true, CacheDic: false, CacheIdc: true, Mte: false, Ls64Wb: false, Nested: false, HwAf: false), s.Vm.Features);
        Assert.Equal(48, s.Host.IpaLimit);
        Assert.Empty(s.Host.Vmas);
        Assert.Empty(s.Memslots);
        Assert.Empty(s.Steps);
        Assert.Empty(s.Bugs);
        Assert.Equal(FinalExpect.None, s.Expect);
        Assert.Null(s.Expect.Violations);
    }

    [Fact]
    public void MemslotFlagsAndVmaShared_DefaultToFalse()
    {
        var s = Ok(With());
        var slot = Assert.Single(s.Memslots);
        Assert.Equal(new MemslotSpec(0, new Ipa(0x4000_0000), 4UL << 20, new Hva(0x7f00_0000_0000), false, false, false, "memslots[0]"), slot);
        var vma = Assert.Single(s.Host.Vmas);
        Assert.False(vma.Shared);
        Assert.Equal(BackingKind.Thp, vma.Backing);
        Assert.Equal(HostProt.Read | HostProt.Write, vma.Prot);
    }

    [Fact]
    public void StepDefaults_AreVcpu0_NotAsync_NoPause_EmptyExpect()
    {
        var step = Assert.IsType<AccessStep>(Step("""{ op = access, gpa = "0x40001000", kind = read }"""));
        Assert.Equal(0, step.Vcpu);
        Assert.False(step.Async);
        Assert.Null(step.PauseAt);
        Assert.Null(step.Id);
        Assert.Null(step.Value);
        Assert.True(step.Expect.IsEmpty);
        Assert.Equal("steps[0].expect.faults", step.Expect.KeyPath(StepExpect.FaultsKey));
        Assert.Equal(AccessKind.Read, step.Kind);
    }

    [Fact]
    public void VmSection_OverridesEveryDefault()
    {
        var s = Ok("""
            name = "v"
            vm {
              ipa-bits = 44, granule = 4K, vcpus = 4, protected = true, eager-split-chunk = 2M
              manual-dirty-protect = true, initially-all-set = true
              features { s2fwb = false, cache-dic = true, cache-idc = false, mte = true, ls64wb = true, nested = true, hw-af = true }
            }
            host.ipa-limit = 52
            """);
        Assert.Equal(new VmConfig(44, 4, true, new VmFeatures(false, true, false, true, true, true, true), 2UL << 20, true, true), s.Vm);
        Assert.Equal(52, s.Host.IpaLimit);
    }

    [Fact]
    public void DottedFeatureKeys_AreTheSameAsNestedObjects()
    {
        var s = Ok("name = \"d\"\nvm.features.mte = true\nvm.features.hw-af = true");
        Assert.True(s.Vm.Features.Mte);
        Assert.True(s.Vm.Features.HwAf);
        Assert.True(s.Vm.Features.S2Fwb);
    }
}
