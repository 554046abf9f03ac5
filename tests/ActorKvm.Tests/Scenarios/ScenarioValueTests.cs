using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using static ActorKvm.Tests.Scenarios.ScenarioText;

namespace ActorKvm.Tests.Scenarios;

public class ScenarioValueTests
{
    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("4K", 4096UL)]
    [InlineData("64K", 65536UL)]
    [InlineData("2M", 2UL << 20)]
    [InlineData("32M", 32UL << 20)]
    [InlineData("1G", 1UL << 30)]
    [InlineData("1T", 1UL << 40)]
    [InlineData("4KiB", 4096UL)]
    [InlineData("2MiB", 2UL << 20)]
    [InlineData("1GiB", 1UL << 30)]
    [InlineData("1TiB", 1UL << 40)]
    [InlineData("0x1000", 4096UL)]
    public void Sizes_AreBytesOrBinarySuffixes(string text, ulong bytes)
    {
        Assert.True(ScenarioValues.TryParseSize(text, out var v));
        Assert.Equal(bytes, v);
    }

    [Theory]
    [InlineData("4k")]
    [InlineData("2MB")]
    [InlineData("K")]
    [InlineData("-4K")]
    [InlineData("1.5M")]
    [InlineData("99999999999999999999K")]
    public void BadSizes_AreRejected(string text) => Assert.False(ScenarioValues.TryParseSize(text, out _));

    [Fact]
    public void BadSizeInAFile_IsAnErrorAtItsKeyPath() =>
        Error(With(memslots: """{ id = 0, gpa = "0x40000000", size = 4k, hva = "0x7f0000000000" }"""), "memslots[0].size", "expected a size");

    [Fact]
    public void SizesInAFile_AcceptIntegersAndSuffixedStrings()
    {
        var s = Ok(With(memslots: """{ id = 0, gpa = "0x40000000", size = 2097152, hva = "0x7f0000000000" }, { id = 1, gpa = "0x50000000", size = "2MiB", hva = "0x7f0000200000" }"""));
        Assert.All(s.Memslots, m => Assert.Equal(2UL << 20, m.Size));
    }

    [Fact]
    public void Addresses_AreIntegersOrHexStrings()
    {
        var s = Ok(With("""steps = [ { op = access, gpa = 1073745920, kind = read }, { op = access, gpa = "0x40001000", kind = read }, { op = access, gpa = 0x40001000, kind = read } ]"""));
        Assert.All(s.Steps, st => Assert.Equal(new Ipa(0x4000_1000), ((AccessStep)st).Gpa));
    }

    [Fact]
    public void BadAddress_IsReportedAsOneLineNamingFileKeyAndValue()
    {
        var e = Error(With("""steps = [ { op = check }, { op = check }, { op = check }, { op = access, gpa = "zz", kind = read } ]"""), "steps[3].gpa", file: "scenarios/x.hocon");
        Assert.Equal("scenarios/x.hocon: steps[3].gpa: expected an address (integer or quoted hex string), got \"zz\"", e.ToString());
    }

    [Theory]
    [InlineData("rw", S2Prot.RW)]
    [InlineData("r", S2Prot.R)]
    [InlineData("rwx", S2Prot.RWX)]
    [InlineData("none", S2Prot.None)]
    [InlineData("", S2Prot.None)]
    public void Perms_AreLettersFromRwx(string text, S2Prot expected)
    {
        var s = Ok(With($$"""expect { stage2 = [ { gpa = "0x40000000", perms = "{{text}}" } ] }"""));
        Assert.Equal(expected, s.Expect.Stage2[0].Perms);
    }

    [Fact]
    public void BadPerms_AreAnError() =>
        Error(With("""expect { stage2 = [ { gpa = "0x40000000", perms = rr } ] }"""), "expect.stage2[0].perms", "expected permissions");

    [Fact]
    public void Enumerations_AreExactLowerCaseKebab()
    {
        Error(With(vmas: """{ hva = "0x7f0000000000", size = 64M, backing = THP, prot = rw }"""), "host.vmas[0].backing", "expected one of anon, thp");
        Error(With("""steps = [ { op = access, gpa = 0, kind = Read } ]"""), "steps[0].kind");
        Assert.Equal(BackingKind.Hugetlb2M, Ok(With(vmas: """{ hva = "0x7f0000000000", size = 64M, backing = hugetlb-2M, prot = r }""")).Host.Vmas[0].Backing);
    }

    [Fact]
    public void StepExpect_ReadsEveryKeyOfAnAccess()
    {
        var step = Step("""{ op = access, gpa = "0x40001000", kind = read, expect { result = ok, faults = [retry, map], size = 2M, perms = rx, memtype = normal-nc, value = "0x7", young = true, violations = [stale-mapping], violations-include = [lost-write] } }""");
        Assert.Equal(new StepExpect("steps[0].expect", "ok", null, 2UL << 20, S2Prot.R | S2Prot.X, MemType.NormalNc, 7, null, null, true, null, null, null) with
        {
            Faults = step.Expect.Faults,
            Violations = step.Expect.Violations,
            ViolationsInclude = step.Expect.ViolationsInclude,
        }, step.Expect);
        Assert.Equal(["retry", "map"], step.Expect.Faults!);
        Assert.Equal(["stale-mapping"], step.Expect.Violations!);
        Assert.Equal(["lost-write"], step.Expect.ViolationsInclude!);
    }

    [Fact]
    public void Mapped_IsABoolOnStage2AndBytesOnPreFault()
    {
        var s = Ok(With("""steps = [ { op = stage2, gpa = 0, expect.mapped = false }, { op = pre-fault, gpa = 0, size = 2M, expect { result = ok, mapped = 2M } } ]"""));
        Assert.False(s.Steps[0].Expect.Mapped);
        Assert.Equal(2UL << 20, s.Steps[1].Expect.MappedBytes);
    }

    [Fact]
    public void FinalExpect_ReadsViolationsRefcountsStage2AndDirty()
    {
        var s = Ok(With("""expect { violations = [], refcounts-balanced = true, stage2 = [ { gpa = "0x40000000", mapped = true, size = 2M, perms = rw, memtype = normal, young = false } ], dirty = [ { slot = 0, pages = [ 1, 3 ] } ] }"""));
        Assert.Empty(s.Expect.Violations!);
        Assert.True(s.Expect.RefcountsBalanced);
        Assert.Equal(new Stage2Expect(new Ipa(0x4000_0000), true, 2UL << 20, S2Prot.RW, MemType.Normal, false, "expect.stage2[0]"), s.Expect.Stage2[0]);
        Assert.Equal([1UL, 3UL], s.Expect.Dirty[0].Pages);
        Assert.Equal("expect.dirty[0].pages", s.Expect.Dirty[0].KeyPath("pages"));
    }
}
