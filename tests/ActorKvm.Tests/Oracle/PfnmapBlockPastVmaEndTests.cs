using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Tests.Scenarios;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// The upstream finding pfnmap-block-past-vma-end: get_vma_page_shift's <c>ALIGN(hva, size) &lt;= vm_end</c> lets a fault
/// at a block-aligned hva map a PFNMAP block past the end of its VMA. Found by a no-bug hunt once the race mix reached
/// partial-block munmaps of device memory (a stale-mapping with every switch off).
/// </summary>
public class PfnmapBlockPastVmaEndTests
{
    private static ScenarioOutcome Run(string steps, string expect, string engine = "model")
    {
        var scenario = ScenarioText.Ok(ScenarioText.With($"steps = [\n{steps}\n]\nexpect {{ {expect} }}",
            vmas: """{ hva = "0x7f0000000000", size = 2M, backing = device, prot = rw }""",
            memslots: """{ id = 0, gpa = "0x10000000", size = 2M, hva = "0x7f0000000000" }"""));
        return ScenarioExecutors.Find(engine)!().Execute(scenario, ScenarioRunOptions.Default);
    }

    private const string Hole = """
          { op = munmap, hva = "0x7f0000100000", size = 4K, expect { result = ok } }
          { op = mmap, hva = "0x7f0000100000", size = 4K, backing = device, prot = rw, expect { result = ok } }
        """;

    [Theory]
    [InlineData("model")]
    [InlineData("actors")]
    public void FaultAtTheBlockStart_MapsTheBlockPastTheVmaEnd_AsAFindingNotAViolation(string engine)
    {
        var o = Run(Hole + "\n" + """{ op = access, vcpu = 0, gpa = "0x10000000", kind = read, expect { result = ok, size = 2M } }""",
            "violations = [ ], findings = [ pfnmap-block-past-vma-end ]", engine);
        Assert.True(o.Passed, o.FailureText);
    }

    [Fact]
    public void FaultInsideTheBlock_IsRefusedTheBlock_NoFinding()
    {
        var o = Run(Hole + "\n" + """{ op = access, vcpu = 0, gpa = "0x10001000", kind = read, expect { result = ok, size = 4K } }""",
            "violations = [ ], findings = [ ]");
        Assert.True(o.Passed, o.FailureText);
    }

    [Fact]
    public void WholeVma_BlockFits_NoFinding()
    {
        var o = Run("""{ op = access, vcpu = 0, gpa = "0x10000000", kind = read, expect { result = ok, size = 2M } }""",
            "violations = [ ], findings = [ ]");
        Assert.True(o.Passed, o.FailureText);
    }

    [Fact]
    public void HoleLeftEmpty_TheBlockStillCoversIt_Finding()
    {
        var o = Run("""
              { op = munmap, hva = "0x7f0000100000", size = 4K, expect { result = ok } }
              { op = access, vcpu = 0, gpa = "0x10000000", kind = read, expect { result = ok, size = 2M } }
            """, "violations = [ ], findings = [ pfnmap-block-past-vma-end ]");
        Assert.True(o.Passed, o.FailureText);
    }
}
