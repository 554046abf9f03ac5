using static ActorKvm.Tests.Scenarios.ScenarioText;

namespace ActorKvm.Tests.Scenarios;

public class ScenarioKeyErrorTests
{
    [Fact]
    public void MissingName_IsAnError() => Error("description = \"x\"", "name", "required");

    [Fact]
    public void UnknownTopLevelKey_IsAnErrorAtThatKey() => Error(With("colour = blue"), "colour", "unknown key 'colour'");

    [Fact]
    public void UnknownVmKey_IsAnErrorAtThatKey() => Error("name = n\nvm { ipa-bit = 40 }", "vm.ipa-bit", "unknown key");

    [Fact]
    public void UnknownFeature_IsAnErrorAtThatKey() => Error("name = n\nvm.features.sve = true", "vm.features.sve", "unknown key");

    [Fact]
    public void UnknownVmaKey_IsAnErrorAtThatKey() =>
        Error(With(vmas: """{ hva = "0x7f0000000000", size = 64M, backing = thp, prot = rw, numa = 1 }"""), "host.vmas[0].numa", "unknown key");

    [Fact]
    public void UnknownMemslotKey_IsAnErrorAtThatKey() =>
        Error(With(memslots: """{ id = 0, gpa = "0x40000000", size = 4M, hva = "0x7f0000000000", dirty = true }"""), "memslots[0].dirty", "unknown key");

    [Fact]
    public void UnknownStepKey_IsAnErrorAtThatKey() =>
        Error(With("""steps = [ { op = access, gpa = 0, kind = read, gpaa = 1 } ]"""), "steps[0].gpaa", "unknown key 'gpaa'");

    [Fact]
    public void UnknownFinalExpectKey_IsAnErrorAtThatKey() => Error(With("expect { violation = [] }"), "expect.violation", "unknown key");

    [Fact]
    public void UnknownOp_IsAnErrorAtTheOp() => Error(With("steps = [ { op = check }, { op = teleport } ]"), "steps[1].op", "unknown op 'teleport'");

    [Fact]
    public void MissingOp_IsAnError() => Error(With("steps = [ { id = a } ]"), "steps[0].op", "required");

    [Fact]
    public void UnknownPhase_IsAnErrorAtPauseAt() =>
        Error(With("""steps = [ { op = access, id = a, gpa = 0, kind = read, pause-at = lunch } ]"""), "steps[0].pause-at", "unknown phase 'lunch'");

    [Fact]
    public void PhaseOfAnotherKindOfOp_IsAnError() =>
        Error(With("""steps = [ { op = munmap, id = a, hva = "0x7f0000000000", size = 2M, pause-at = classify } ]"""), "steps[0].pause-at", "not a phase of op munmap");

    [Theory]
    [InlineData("""{ op = access, id = a, gpa = 0, kind = read, pause-at = retry-check }""", "retry-check")]
    [InlineData("""{ op = thp-split, id = a, hva = "0x7f0000000000", pause-at = host-change }""", "host-change")]
    [InlineData("""{ op = memslot-set-flags, id = 0, log-dirty = true }""", null)]
    [InlineData("""{ op = memslot-delete, slot = 0, id = d, pause-at = flushed }""", "flushed")]
    public void KnownPhasesOfTheRightKind_AreAccepted(string step, string? phase) => Assert.Equal(phase, Step(step).PauseAt);

    [Fact]
    public void UnknownBug_IsAnErrorAtItsIndex() => Error(With("bugs = [ no-such-bug ]"), "bugs[0]", "unknown bug 'no-such-bug'");

    [Fact]
    public void UnknownViolation_IsAnErrorInFinalAndStepExpectations()
    {
        Error(With("expect { violations = [ stale-mapping, cosmic-ray ] }"), "expect.violations[1]", "unknown violation 'cosmic-ray'");
        Error(With("steps = [ { op = check, expect.violations-include = [ oops ] } ]"), "steps[0].expect.violations-include[0]", "unknown violation");
    }

    [Fact]
    public void UnknownFaultResult_IsAnError() =>
        Error(With("steps = [ { op = access, gpa = 0, kind = read, expect.faults = [ mapp ] } ]"), "steps[0].expect.faults[0]", "unknown fault result 'mapp'");

    [Fact]
    public void UnknownResult_IsAnError() =>
        Error(With("steps = [ { op = access, gpa = 0, kind = read, expect.result = efualt } ]"), "steps[0].expect.result", "unknown result 'efualt'");

    [Theory]
    [InlineData("ok")]
    [InlineData("mmio")]
    [InlineData("efault")]
    [InlineData("enoexec")]
    [InlineData("sigbus-hwpoison")]
    [InlineData("inject-size-fault")]
    [InlineData("memory-fault")]
    public void KnownResults_AreAccepted(string result) =>
        Assert.Equal(result, Step($"{{ op = access, gpa = 0, kind = read, expect.result = {result} }}").Expect.Result);

    [Fact]
    public void ExpectKeyThatTheOpDoesNotReport_IsAnError() =>
        Error(With("""steps = [ { op = munmap, hva = "0x7f0000000000", size = 2M, expect.faults = [map] } ]"""), "steps[0].expect.faults", "not checked for op munmap");

    [Fact]
    public void WrongValueType_NamesWhatWasExpected()
    {
        Error("name = n\nvm.vcpus = many", "vm.vcpus", "expected an integer");
        Error("name = n\nvm.protected = yes", "vm.protected", "expected true or false");
        Error("name = n\nvm = 3", "vm", "expected an object");
        Error("name = n\nsteps = { op = check }", "steps", "expected a list");
    }

    [Fact]
    public void ValueOnARead_IsAnError() =>
        Error(With("steps = [ { op = access, gpa = 0, kind = read, value = 1 } ]"), "steps[0].value", "only a write");

    [Fact]
    public void TagAccessWithoutMte_IsAnError() =>
        Error(With("steps = [ { op = access, gpa = 0, kind = tag-write, value = 1 } ]"), "steps[0].kind", "tag-write needs vm.features.mte = true");

    [Fact]
    public void TagWriteOfMoreThanFourBits_IsAnError() =>
        Error(With("vm.features.mte = true\nsteps = [ { op = access, gpa = 0, kind = tag-write, value = 16 } ]"), "steps[0].value", "a tag-write stores a 4-bit tag");

    [Fact]
    public void MteSyncTagsPausesOnlyAtItsClaim() =>
        Error(With("steps = [ { op = mte-sync-tags, id = a, hva = 0, pause-at = range-start } ]"), "steps[0].pause-at", "expected one of mte-claim");
}
