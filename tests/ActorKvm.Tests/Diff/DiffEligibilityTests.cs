using ActorKvm.Stress.Diff;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Tests.Scenarios;

namespace ActorKvm.Tests.Diff;

public class DiffEligibilityTests
{
    private static readonly KernelVersion Debian = KernelVersion.Parse("6.12.118+deb12")!;

    [Theory]
    [InlineData("steps = [ { op = access, id = a, vcpu = 0, gpa = \"0x40000000\", kind = read, pause-at = classify }, { op = resume, id = a } ]", "pause-at/resume")]
    [InlineData("bugs = [ retry-ignores-in-progress ]", "bug switches")]
    [InlineData("min-kernel = \"6.17\"", "min-kernel 6.17: the booted kernel is 6.12.118")]
    [InlineData("steps = [ { op = pre-fault, vcpu = 0, gpa = \"0x40000000\", size = 4K } ]", "KVM_PRE_FAULT_MEMORY")]
    [InlineData("steps = [ { op = access, vcpu = 0, gpa = \"0x40000000\", kind = cmo } ]", "DC CIVAC")]
    public void ScenarioTheRealKernelCannotRun_IsSkippedWithItsReason(string extra, string reasonPart)
    {
        var why = DiffEligibility.WhyNot(ScenarioText.Ok(ScenarioText.With(extra)), Debian);
        Assert.NotNull(why);
        Assert.Contains(reasonPart, why);
    }

    [Fact]
    public void MinKernelNotNewerThanTheBootedKernel_IsEligible()
    {
        Assert.Null(DiffEligibility.WhyNot(ScenarioText.Ok(ScenarioText.With("min-kernel = \"6.12\"")), Debian));
    }

    [Fact]
    public void MalformedMinKernel_IsALoadErrorNamingTheKey()
    {
        ScenarioText.Error(ScenarioText.With("min-kernel = \"latest\""), "min-kernel", "kernel version");
    }

    [Fact]
    public void Export_PutsTheRunnersCodeWindowClearOfSlotsAndAccesses()
    {
        var sc = ScenarioText.Ok("""
            name = "x"
            host { vmas = [ { hva = "0x7f0000000000", size = 2M, backing = anon, prot = rw } ] }
            memslots = [ { id = 0, gpa = "0x0", size = 2M, hva = "0x7f0000000000" } ]
            steps = [ { op = access, vcpu = 0, gpa = "0x200000", kind = read }, { op = stage2, gpa = "0x0" } ]
            """);
        Assert.Equal(0x400000UL, OpListExport.CodeWindow(sc));
        var text = OpListExport.Export(sc);
        Assert.Contains("code=0x400000", text);
        Assert.Contains("step 0 access vcpu=0 gpa=0x200000 kind=read", text);
        Assert.DoesNotContain("stage2", text);
    }

    [Fact]
    public void RandomSequences_AreReproducibleLoadableAndEligible()
    {
        var a = RandomScenario.Generate(7, 3);
        var b = RandomScenario.Generate(7, 3);
        Assert.Equal(a.Ops, b.Ops);
        var text = RandomScenario.ToJson("r", a.Slots, a.Ops, RandomScenario.NotOnRealKernel);
        var sc = ScenarioLoader.LoadText(text, "r.json");
        Assert.Null(sc.Error);
        Assert.Null(DiffEligibility.WhyNot(sc.Scenario!, Debian));
    }
}
