using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using static ActorKvm.Tests.Scenarios.ScenarioText;

namespace ActorKvm.Tests.Scenarios;

public class ScenarioStepTests
{
    [Fact]
    public void EveryOp_ReadsIntoItsTypedStep()
    {
        var s = Ok("""
            name = all
            vm { vcpus = 2, features.nested = true, manual-dirty-protect = true }
            host { vmas = [ { hva = "0x7f0000000000", size = 64M, backing = thp, prot = rw } ] }
            memslots = [ { id = 0, gpa = "0x40000000", size = 4M, hva = "0x7f0000000000" } ]
            steps = [
              { op = access, vcpu = 1, gpa = "0x40001000", kind = write, value = 7, id = w, pause-at = mmu-lock, async = true }
              { op = resume, id = w }
              { op = pre-fault, gpa = "0x40000000", size = 2M }
              { op = nested-enter, vcpu = 1, l1-s2 = [ { l2-ipa = "0x80000000", l1-ipa = "0x40000000", size = 2M, perms = rw } ] }
              { op = nested-exit, vcpu = 1 }
              { op = stage2, gpa = "0x80000000", shadow = true, vcpu = 1 }
              { op = munmap, hva = "0x7f0000000000", size = 2M }
              { op = mprotect, hva = "0x7f0000000000", size = 2M, prot = r }
              { op = madvise-dontneed, hva = "0x7f0000000000", size = 4K }
              { op = swap-out, hva = "0x7f0000000000", size = 4K }
              { op = migrate, hva = "0x7f0000001000" }
              { op = thp-split, hva = "0x7f0000000000" }
              { op = thp-split-folio, hva = "0x7f0000000000", expect.result = ebusy }
              { op = thp-collapse, hva = "0x7f0000000000" }
              { op = poison, hva = "0x7f0000002000" }
              { op = age, gpa = "0x40000000", size = 2M, expect.young = true }
              { op = host-write, hva = "0x7f0000000000", value = 9 }
              { op = host-read, hva = "0x7f0000000000", expect.value = 9 }
              { op = memslot-create, slot = { id = 1, gpa = "0x50000000", size = 2M, hva = "0x7f0001000000", log-dirty = true } }
              { op = memslot-move, id = 1, gpa = "0x60000000" }
              { op = memslot-set-flags, id = 1, log-dirty = false }
              { op = dirty-log-get, slot = 1, expect.pages = [ 0, 2 ] }
              { op = dirty-log-clear, slot = 1, first = 0, count = 64 }
              { op = memslot-delete, id = 1 }
              { op = check, expect.violations = [] }
              { op = join }
            ]
            """);
        Assert.Equal(
            ["access", "resume", "pre-fault", "nested-enter", "nested-exit", "stage2", "munmap", "mprotect", "madvise-dontneed", "swap-out",
             "migrate", "thp-split", "thp-split-folio", "thp-collapse", "poison", "age", "host-write", "host-read",
             "memslot-create", "memslot-move", "memslot-set-flags", "dirty-log-get", "dirty-log-clear", "memslot-delete", "check", "join"],
            s.Steps.Select(x => x.Op));
        Assert.Equal(s.Steps.Select((_, i) => $"steps[{i}]"), s.Steps.Select(x => x.Path));
        var a = Assert.IsType<AccessStep>(s.Steps[0]);
        Assert.Equal((1, 7UL, "w", "mmu-lock", true), (a.Vcpu, a.Value!.Value, a.Id!, a.PauseAt!, a.Async));
        Assert.Equal("w", Assert.IsType<ResumeStep>(s.Steps[1]).TargetId);
        Assert.Null(s.Steps[1].Id);
        var n = Assert.IsType<NestedEnterStep>(s.Steps[3]);
        Assert.Equal(new L1S2Mapping(new Ipa(0x8000_0000), new Ipa(0x4000_0000), 2UL << 20, S2Prot.RW, "steps[3].l1-s2[0]"), n.L1S2[0]);
        Assert.True(Assert.IsType<Stage2Step>(s.Steps[5]).Shadow);
        Assert.Equal(HostProt.Read, Assert.IsType<HostRangeStep>(s.Steps[7]).Prot);
        Assert.Equal(HostOp.ThpSplitFolio, Assert.IsType<HostPageStep>(s.Steps[12]).Operation);
        Assert.Equal("ebusy", s.Steps[12].Expect.Result);
        Assert.Equal(1, Assert.IsType<MemslotMoveStep>(s.Steps[19]).SlotId);
        var flags = Assert.IsType<MemslotSetFlagsStep>(s.Steps[20]);
        Assert.Equal((false, (bool?)null), (flags.LogDirty!.Value, flags.ReadOnly));
        Assert.Equal([0UL, 2UL], s.Steps[21].Expect.Pages!);
        Assert.Equal((1, 0UL, 64UL), (((DirtyLogClearStep)s.Steps[22]).SlotId, ((DirtyLogClearStep)s.Steps[22]).First, ((DirtyLogClearStep)s.Steps[22]).Count));
    }

    [Fact]
    public void MemslotOpWithSlotKey_FreesIdForTheStepsOwnId()
    {
        var d = Assert.IsType<MemslotDeleteStep>(Step("""{ op = memslot-delete, slot = 0, id = del, pause-at = slot-invalidated }"""));
        Assert.Equal((0, "del"), (d.SlotId, d.Id!));
    }

    [Fact]
    public void DuplicateStepId_IsAnErrorOnTheLaterStep() =>
        Error(With("steps = [ { op = check, id = a }, { op = join, id = a } ]"), "steps[1].id", "duplicate step id 'a' (also steps[0])");

    [Fact]
    public void ResumeOfUnknownId_IsAnError() => Error(With("steps = [ { op = resume, id = ghost } ]"), "steps[0].id", "no earlier step has id 'ghost'");

    [Fact]
    public void ResumeOfALaterStep_IsAnError() =>
        Error(With("steps = [ { op = resume, id = a }, { op = access, id = a, gpa = 0, kind = read, pause-at = classify } ]"), "steps[0].id", "no earlier step");

    [Fact]
    public void ResumeOfAStepWithoutPauseAt_IsAnError() =>
        Error(With("steps = [ { op = access, id = a, gpa = 0, kind = read }, { op = resume, id = a } ]"), "steps[1].id", "has no pause-at");

    [Fact]
    public void ResumeWithPauseAt_TakesThePhasesOfItsTarget()
    {
        var s = Ok(With("steps = [ { op = access, id = a, gpa = 0, kind = read, pause-at = classify }, { op = resume, id = a, pause-at = map }, { op = resume, id = a } ]"));
        Assert.Equal("map", s.Steps[1].PauseAt);
        Error(With("steps = [ { op = access, id = a, gpa = 0, kind = read, pause-at = classify }, { op = resume, id = a, pause-at = range-end } ]"), "steps[1].pause-at", "not a phase of op access");
    }

    [Fact]
    public void PausedStepWithoutId_IsAnError() =>
        Error(With("steps = [ { op = access, gpa = 0, kind = read, pause-at = classify } ]"), "steps[0].pause-at", "needs an id");

    [Fact]
    public void OpWithoutPhases_CannotPause() =>
        Error(With("steps = [ { op = check, id = c, pause-at = classify } ]"), "steps[0].pause-at", "op check has no phases");

    [Fact]
    public void VcpuOutOfRange_IsAnError()
    {
        Error(With("steps = [ { op = access, vcpu = 1, gpa = 0, kind = read } ]"), "steps[0].vcpu", "vcpu 1 does not exist (vm.vcpus = 1)");
        Error(With("steps = [ { op = pre-fault, vcpu = 9, gpa = 0, size = 4K } ]"), "steps[0].vcpu", "does not exist");
    }

    [Fact]
    public void MprotectNeedsProt_AndOtherRangeOpsRefuseIt()
    {
        Error(With("""steps = [ { op = mprotect, hva = "0x7f0000000000", size = 4K } ]"""), "steps[0].prot", "required");
        Error(With("""steps = [ { op = munmap, hva = "0x7f0000000000", size = 4K, prot = r } ]"""), "steps[0].prot", "unknown key");
    }

    [Fact]
    public void NestedEnterWithoutTheNestedFeature_IsAnError() =>
        Error(With("""steps = [ { op = nested-enter, l1-s2 = [] } ]"""), "steps[0].op", "vm.features.nested");
}
