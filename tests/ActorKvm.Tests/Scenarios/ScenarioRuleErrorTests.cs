using ActorKvm.Engine.Scenarios.Definition;
using static ActorKvm.Tests.Scenarios.ScenarioText;

namespace ActorKvm.Tests.Scenarios;

public class ScenarioRuleErrorTests
{
    private const string Slot1 = """{ id = 1, gpa = "0x40200000", size = 2M, hva = "0x7f0000400000" }""";

    [Theory]
    [InlineData(31)]
    [InlineData(53)]
    public void IpaBitsOutside32To52_IsAnError(int bits) => Error($"name = n\nvm.ipa-bits = {bits}", "vm.ipa-bits", "out of range (32..52)");

    [Fact]
    public void IpaBitsAboveTheHostLimit_IsAnError() => Error("name = n\nvm.ipa-bits = 48\nhost.ipa-limit = 40", "vm.ipa-bits", "exceeds host.ipa-limit 40");

    [Theory]
    [InlineData("16K")]
    [InlineData("64K")]
    public void LargerGranules_AreRefusedClearly(string granule)
    {
        var e = Error($"name = n\nvm.granule = {granule}", "vm.granule");
        Assert.Equal($"{granule} granule is not supported (only 4K)", e.Message);
    }

    [Fact]
    public void EagerSplitChunkThatIsNotABlockSize_IsAnError() => Error("name = n\nvm.eager-split-chunk = 64K", "vm.eager-split-chunk", "must be 0, 4K, 2M or 1G");

    [Fact]
    public void InitiallyAllSetWithoutManualProtect_IsAnError() => Error("name = n\nvm.initially-all-set = true", "vm.initially-all-set", "manual-dirty-protect");

    [Fact]
    public void OverlappingInitialSlots_AreAnErrorOnTheLaterSlot() =>
        Error(With(memslots: ScenarioText.Slot + ", " + """{ id = 1, gpa = "0x40200000", size = 4M, hva = "0x7f0000400000" }"""), "memslots[1].gpa", "overlaps memslots[0]");

    [Fact]
    public void AdjacentInitialSlots_DoNotOverlap() => Assert.Equal(2, Ok(With(memslots: ScenarioText.Slot.Replace("4M", "2M") + ", " + Slot1)).Memslots.Count);

    [Fact]
    public void DuplicateSlotIds_AreAnError() =>
        Error(With(memslots: ScenarioText.Slot + ", " + Slot1.Replace("id = 1", "id = 0")), "memslots[1].id", "duplicate memslot id 0");

    [Fact]
    public void SlotEndingBeyondTwoToTheIpaBits_IsAnError() =>
        Error("name = n\nvm.ipa-bits = 32\nmemslots = [ { id = 0, gpa = \"0xffe00000\", size = 4M, hva = \"0x7f0000000000\" } ]", "memslots[0].gpa", "beyond the IPA space of 2^32");

    [Fact]
    public void SlotEndingExactlyAtTwoToTheIpaBits_IsAccepted() =>
        Ok("name = n\nvm.ipa-bits = 32\nmemslots = [ { id = 0, gpa = \"0xffc00000\", size = 4M, hva = \"0x7f0000000000\" } ]");

    [Fact]
    public void SlotSizeNotAMultipleOfTheGranule_IsAnError() =>
        Error(With(memslots: """{ id = 0, gpa = "0x40000000", size = 6000, hva = "0x7f0000000000" }"""), "memslots[0].size", "not a multiple of the 4K granule");

    [Fact]
    public void ZeroSizeSlot_IsAnError() =>
        Error(With(memslots: """{ id = 0, gpa = "0x40000000", size = 0, hva = "0x7f0000000000" }"""), "memslots[0].size", "greater than 0");

    [Fact]
    public void UnalignedSlotGpaOrHva_IsAnError()
    {
        Error(With(memslots: """{ id = 0, gpa = "0x40000800", size = 4M, hva = "0x7f0000000000" }"""), "memslots[0].gpa", "not page aligned");
        Error(With(memslots: """{ id = 0, gpa = "0x40000000", size = 4M, hva = "0x7f0000000100" }"""), "memslots[0].hva", "not page aligned");
    }

    [Fact]
    public void UnalignedOrOverlappingVmas_AreAnError()
    {
        Error(With(vmas: """{ hva = "0x7f0000000010", size = 64M, backing = anon, prot = rw }""", memslots: ""), "host.vmas[0].hva", "not a multiple of the 4K page size");
        Error(With(vmas: """{ hva = "0x7f0000000000", size = 0, backing = anon, prot = rw }""", memslots: ""), "host.vmas[0].size", "greater than 0");
        Error(With(vmas: ScenarioText.Vma + """, { hva = "0x7f0001000000", size = 4M, backing = anon, prot = rw }""", memslots: ""), "host.vmas[1].hva", "overlaps host.vmas[0]");
    }

    [Fact]
    public void HugetlbVma_MustBeAlignedToItsHugePageSize()
    {
        Error(With(vmas: """{ hva = "0x7f0000100000", size = 4M, backing = hugetlb-2M, prot = rw }""", memslots: ""), "host.vmas[0].hva", "2M huge page size");
        Error(With(vmas: """{ hva = "0x7f0000000000", size = 3M, backing = hugetlb-2M, prot = rw }""", memslots: ""), "host.vmas[0].size", "2M huge page size");
    }

    [Fact]
    public void VmaProt_IsRequired() =>
        Error(With(vmas: """{ hva = "0x7f0000000000", size = 64M, backing = anon }""", memslots: ""), "host.vmas[0].prot", "required");

    [Theory]
    [InlineData("file")]
    [InlineData("device")]
    [InlineData("device-cacheable")]
    public void MteVmSlotOverAVmaWithoutMteAllowed_IsAnError(string backing) =>
        Error("name = n\nvm.features { mte = true, cache-dic = true }\n" + With(vmas: $$"""{ hva = "0x7f0000000000", size = 64M, backing = {{backing}}, prot = rw }""").Replace("name = \"t\"", ""), "memslots[0].hva", "does not allow MTE");

    [Theory]
    [InlineData("anon")]
    [InlineData("shmem")]
    [InlineData("hugetlb-2M")]
    public void MteVmSlotOverAnonShmemOrHugetlb_IsAccepted(string backing) =>
        Ok("name = n\nvm.features.mte = true\n" + With(vmas: $$"""{ hva = "0x7f0000000000", size = 64M, backing = {{backing}}, prot = rw }""").Replace("name = \"t\"", ""));

    [Theory]
    [InlineData("device")]
    [InlineData("device-cacheable")]
    public void PfnMapSlotWithLogDirty_IsAnError(string backing) =>
        Error("name = n\nvm.features.cache-dic = true\n" + With(vmas: $$"""{ hva = "0x7f0000000000", size = 64M, backing = {{backing}}, prot = rw }""",
            memslots: """{ id = 0, gpa = "0x40000000", size = 4M, hva = "0x7f0000000000", log-dirty = true }""").Replace("name = \"t\"", ""), "memslots[0].log-dirty", "PFNMAP");

    [Fact]
    public void CacheablePfnMapSlot_NeedsS2FwbAndCacheDic()
    {
        var text = With(vmas: """{ hva = "0x7f0000000000", size = 64M, backing = device-cacheable, prot = rw }""").Replace("name = \"t\"", "name = n");
        Error(text, "memslots[0].hva", "needs vm.features.s2fwb and cache-dic");
        Ok(text + "\nvm.features.cache-dic = true");
    }

    [Fact]
    public void SlotOverAHoleInTheVmas_IsAllowed() =>
        Ok(With(memslots: """{ id = 0, gpa = "0x40000000", size = 4M, hva = "0x100000000000" }"""));

    [Fact]
    public void GuestMemfdSlotWithLogDirty_IsAnError() =>
        Error(With(memslots: """{ id = 0, gpa = "0x40000000", size = 4M, hva = "0x7f0000000000", guest-memfd = true, log-dirty = true }"""), "memslots[0].log-dirty", "guest-memfd");

    [Fact]
    public void SlotsCreatedByAStep_AreOnlyCheckedSyntactically()
    {
        // The kernel's answer (-EEXIST for this overlap) is the step's result at run time.
        var step = Assert.IsType<MemslotCreateStep>(Step("""{ op = memslot-create, slot = { id = 5, gpa = "0x40000000", size = 6000, hva = "0x7f0000000001" }, expect.result = eexist }"""));
        Assert.Equal(5, step.Slot.Id);
        Assert.Equal("steps[0].slot", step.Slot.Path);
        Error(With("""steps = [ { op = memslot-create, slot { id = 5, gpa = "0x40000000", size = 4M } } ]"""), "steps[0].slot.hva", "required");
    }
}
