using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Loading.Tree;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Reads <c>steps</c>: one object per step with an <c>op</c>, and checks what can be checked statically
/// (vCPU indexes, unique ids, <c>pause-at</c> phases, <c>resume</c> targets).
/// </summary>
internal static class StepReader
{
    private static readonly HashSet<string> AllExpectKeys =
        [.. ScenarioNames.Ops.SelectMany(ScenarioNames.ExpectKeysFor)];

    public static IReadOnlyList<StepSpec> ReadAll(SNode node, string path, VmConfig vm)
    {
        if (node is not SArray list) throw Values.Fail(path, "a list of steps", node);
        var steps = new List<StepSpec>(list.Items.Count);
        for (var i = 0; i < list.Items.Count; i++)
            steps.Add(Read(list.Items[i], i, $"{path}[{i}]", vm, steps));
        return steps;
    }

    private static StepSpec Read(SNode node, int index, string path, VmConfig vm, List<StepSpec> earlier)
    {
        var o = ObjectReader.Of(node, path);
        var opNode = o.Require("op");
        var op = Values.String(opNode, o.PathOf("op"));
        if (!ScenarioNames.Ops.Contains(op))
            throw new ScenarioParseException(o.PathOf("op"), $"unknown op '{op}' (expected one of {string.Join(", ", ScenarioNames.Ops)})");

        // For these ops the format spells the slot (or the resume target) as `id`; `slot` frees `id` for the step's own id.
        var idIsOperand = op is "resume" || (op is "memslot-delete" or "memslot-move" or "memslot-set-flags" && !o.Has("slot"));
        var id = idIsOperand ? null : o.String("id");
        var async = o.Bool("async") ?? false;
        var expect = o.Get("expect") is { } e ? ReadExpect(ObjectReader.Of(e, o.PathOf("expect")), op) : StepExpect.None(path);

        StepSpec? target = null;
        if (op == "resume")
        {
            var targetId = o.RequiredString("id");
            target = earlier.LastOrDefault(s => s.Id == targetId)
                ?? throw new ScenarioParseException(o.PathOf("id"), $"no earlier step has id '{targetId}'");
            if (target.PauseAt is null)
                throw new ScenarioParseException(o.PathOf("id"), $"step '{targetId}' ({target.Path}) has no pause-at, so it is never paused");
        }
        var pauseAt = ReadPauseAt(o, target?.Op ?? op);
        if (pauseAt is not null && id is null && op != "resume")
            throw new ScenarioParseException(o.PathOf("pause-at"), "a paused step needs an id so that a resume can name it");
        if (id is not null && earlier.FirstOrDefault(s => s.Id == id) is { } dup)
            throw new ScenarioParseException(o.PathOf("id"), $"duplicate step id '{id}' (also {dup.Path})");

        StepSpec step = op switch
        {
            "access" => ReadAccess(o, index, path, id, pauseAt, async, expect, vm),
            "pre-fault" => new PreFaultStep(index, path, id, pauseAt, async, expect, Vcpu(o, vm), new Ipa(o.RequiredAddress("gpa")), o.RequiredSize("size")),
            "nested-enter" => ReadNestedEnter(o, index, path, id, pauseAt, async, expect, vm),
            "nested-exit" => new NestedExitStep(index, path, id, pauseAt, async, expect, Vcpu(o, vm)),
            "stage2" => new Stage2Step(index, path, id, pauseAt, async, expect, new Ipa(o.RequiredAddress("gpa")), o.Bool("shadow") ?? false, Vcpu(o, vm)),
            "munmap" or "mprotect" or "madvise-dontneed" or "swap-out" => ReadHostRange(o, op, index, path, id, pauseAt, async, expect),
            "migrate" or "thp-split" or "thp-split-folio" or "thp-collapse" or "poison" => new HostPageStep(index, path, id, pauseAt, async, expect,
                ScenarioNames.HostPageOps.First(x => x.Name == op).Value, new Hva(o.RequiredAddress("hva"))),
            "age" => ReadAge(o, index, path, id, pauseAt, async, expect, vm),
            "mmap" => ReadMmap(o, index, path, id, pauseAt, async, expect),
            "free-page-tables" => new HostFreePageTablesStep(index, path, id, pauseAt, async, expect, new Hva(o.RequiredAddress("hva")), o.RequiredSize("size")),
            "host-write" => new HostWriteStep(index, path, id, pauseAt, async, expect, new Hva(o.RequiredAddress("hva")), o.RequiredUInt64("value")),
            "host-read" => new HostReadStep(index, path, id, pauseAt, async, expect, new Hva(o.RequiredAddress("hva"))),
            "mte-sync-tags" => new MteSyncTagsStep(index, path, id, pauseAt, async, expect, new Hva(o.RequiredAddress("hva"))),
            "memslot-create" => new MemslotCreateStep(index, path, id, pauseAt, async, expect, ScenarioReader.ReadMemslot(o.Require("slot"), o.PathOf("slot"))),
            "memslot-delete" => new MemslotDeleteStep(index, path, id, pauseAt, async, expect, SlotId(o, idIsOperand)),
            "memslot-move" => new MemslotMoveStep(index, path, id, pauseAt, async, expect, SlotId(o, idIsOperand), new Ipa(o.RequiredAddress("gpa"))),
            "memslot-set-flags" => new MemslotSetFlagsStep(index, path, id, pauseAt, async, expect, SlotId(o, idIsOperand), o.Bool("log-dirty"), o.Bool("readonly")),
            "dirty-log-get" => new DirtyLogGetStep(index, path, id, pauseAt, async, expect, o.RequiredInt("slot", 0, short.MaxValue)),
            "dirty-log-clear" => new DirtyLogClearStep(index, path, id, pauseAt, async, expect, o.RequiredInt("slot", 0, short.MaxValue), o.RequiredUInt64("first"), o.RequiredUInt64("count")),
            "check" => new CheckStep(index, path, id, pauseAt, async, expect),
            "resume" => new ResumeStep(index, path, null, pauseAt, async, expect, o.RequiredString("id")),
            "join" => new JoinStep(index, path, id, pauseAt, async, expect),
            _ => throw new InvalidOperationException($"op '{op}' is listed but not read"),
        };
        o.Done();
        return step;
    }

    private static string? ReadPauseAt(ObjectReader o, string op)
    {
        if (o.Get("pause-at") is not { } n) return null;
        var path = o.PathOf("pause-at");
        var phase = Values.Name(n, path, ScenarioNames.AllPhases, "phase");
        var allowed = ScenarioNames.PhasesFor(op);
        if (allowed.Count == 0) throw new ScenarioParseException(path, $"op {op} has no phases to pause at");
        if (!allowed.Contains(phase))
            throw new ScenarioParseException(path, $"phase '{phase}' is not a phase of op {op} (expected one of {string.Join(", ", allowed)})");
        return phase;
    }

    private static AccessStep ReadAccess(ObjectReader o, int index, string path, string? id, string? pauseAt, bool async, StepExpect expect, VmConfig vm)
    {
        var vcpu = Vcpu(o, vm);
        var gpa = new Ipa(o.RequiredAddress("gpa"));
        var kind = Values.Enum(o.Require("kind"), o.PathOf("kind"), ScenarioNames.AccessKinds);
        var value = o.UInt64("value");
        if (value is not null && !kind.StoresValue() && kind != AccessKind.TagWrite)
            throw new ScenarioParseException(o.PathOf("value"), "only a write, store-no-syndrome, atomic or tag-write access stores a value (use expect.value for reads)");
        if (kind is AccessKind.TagWrite or AccessKind.TagRead && !vm.Features.Mte)
            throw new ScenarioParseException(o.PathOf("kind"), $"{ScenarioNames.AccessKinds.First(k => k.Value == kind).Name} needs vm.features.mte = true");
        if (kind == AccessKind.TagWrite && value is null or > 15)
            throw new ScenarioParseException(o.PathOf("value"), "a tag-write stores a 4-bit tag: value 0..15");
        return new AccessStep(index, path, id, pauseAt, async, expect, vcpu, gpa, kind, value);
    }

    /// <summary>
    /// <c>kvm_age_gfn</c> gets its range from a memslot (<c>kvm_handle_hva_range</c> clips to it), so it never leaves the
    /// IPA space: a range that does is the file's error, not a walk the stage-2 code would refuse.
    /// </summary>
    private static AgeStep ReadAge(ObjectReader o, int index, string path, string? id, string? pauseAt, bool async, StepExpect expect, VmConfig vm)
    {
        var gpa = o.RequiredAddress("gpa");
        var size = o.RequiredSize("size");
        if (gpa >= vm.PhysSize || size > vm.PhysSize - gpa)
            throw new ScenarioParseException(o.PathOf("size"), $"range 0x{gpa:x}+0x{size:x} ends beyond the IPA space of 2^{vm.IpaBits} bytes (vm.ipa-bits)");
        return new AgeStep(index, path, id, pauseAt, async, expect, new Ipa(gpa), size);
    }

    private static NestedEnterStep ReadNestedEnter(ObjectReader o, int index, string path, string? id, string? pauseAt, bool async, StepExpect expect, VmConfig vm)
    {
        if (!vm.Features.Nested)
            throw new ScenarioParseException(o.PathOf("op"), "nested-enter needs vm.features.nested = true");
        var vcpu = Vcpu(o, vm);
        o.Require("l1-s2");
        var maps = o.List("l1-s2", (n, p) =>
        {
            var m = ObjectReader.Of(n, p);
            var r = new L1S2Mapping(new Ipa(m.RequiredAddress("l2-ipa")), new Ipa(m.RequiredAddress("l1-ipa")),
                m.RequiredSize("size"), Values.Perms(m.Require("perms"), m.PathOf("perms")), p);
            m.Done();
            return r;
        })!;
        return new NestedEnterStep(index, path, id, pauseAt, async, expect, vcpu, maps);
    }

    private static HostRangeStep ReadHostRange(ObjectReader o, string op, int index, string path, string? id, string? pauseAt, bool async, StepExpect expect)
    {
        var kind = ScenarioNames.HostRangeOps.First(x => x.Name == op).Value;
        var hva = new Hva(o.RequiredAddress("hva"));
        var size = o.RequiredSize("size");
        HostProt? prot = null;
        if (kind == HostRangeOp.Mprotect)
        {
            var n = o.Require("prot");
            prot = (HostProt)(byte)Values.Perms(n, o.PathOf("prot"));
        }
        return new HostRangeStep(index, path, id, pauseAt, async, expect, kind, hva, size, prot);
    }

    /// <summary>The vCPU index (default 0), which must exist.</summary>
    private static int Vcpu(ObjectReader o, VmConfig vm)
    {
        var vcpu = o.Int("vcpu", 0, int.MaxValue) ?? 0;
        if (vcpu >= vm.Vcpus)
            throw new ScenarioParseException(o.PathOf("vcpu"), $"vcpu {vcpu} does not exist (vm.vcpus = {vm.Vcpus})");
        return vcpu;
    }

    private static int SlotId(ObjectReader o, bool fromId) =>
        o.RequiredInt(fromId ? "id" : "slot", 0, short.MaxValue);

    private static StepExpect ReadExpect(ObjectReader o, string op)
    {
        var accepted = ScenarioNames.ExpectKeysFor(op);
        foreach (var key in o.Keys)
            if (!accepted.Contains(key) && AllExpectKeys.Contains(key))
                throw new ScenarioParseException(o.PathOf(key), $"'{key}' is not checked for op {op} (accepted: {string.Join(", ", accepted)})");
        var expect = new StepExpect(
            o.Path,
            Result: o.Get("result") is { } r ? Result(r, o.PathOf("result")) : null,
            Faults: o.List("faults", (n, p) => Values.Name(n, p, ScenarioNames.FaultOutcomes.ToList(), "fault result")),
            Size: o.Size("size"),
            Perms: o.Perms("perms"),
            MemType: o.Enum("memtype", ScenarioNames.MemTypes),
            Value: o.UInt64("value"),
            Mapped: op == "stage2" ? o.Bool("mapped") : null,
            MappedBytes: op == "pre-fault" ? o.Size("mapped") : null,
            Young: o.Bool("young"),
            Pages: o.List("pages", Values.UInt64),
            Violations: o.List("violations", ScenarioReader.ViolationName),
            ViolationsInclude: o.List("violations-include", ScenarioReader.ViolationName));
        o.Done();
        return expect;
    }

    private static string Result(SNode n, string path)
    {
        var s = Values.String(n, path);
        if (ScenarioNames.IsKnownResult(s)) return s;
        throw new ScenarioParseException(path,
            $"unknown result '{s}' (expected {string.Join(", ", ScenarioNames.SpecialResults)}, or an errno name such as efault, einval, ebusy)");
    }

    private static HostMmapStep ReadMmap(ObjectReader o, int index, string path, string? id, string? pauseAt, bool async, StepExpect expect)
    {
        var (hva, size, backing, prot, shared) = ScenarioReader.ReadVmaFields(o);
        return new HostMmapStep(index, path, id, pauseAt, async, expect, hva, size, backing, prot, shared);
    }
}
