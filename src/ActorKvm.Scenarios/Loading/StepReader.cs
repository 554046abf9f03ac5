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
        var def = StepOps.Find(op)
            ?? throw new ScenarioParseException(o.PathOf("op"), $"unknown op '{op}' (expected one of {string.Join(", ", StepOps.Names)})");

        // A resume's `id` names its target; a memslot op's may name its slot (`slot` frees `id` for the step's own id).
        var idIsSlot = def.IdNamesSlot && !o.Has("slot");
        var id = idIsSlot || op == "resume" ? null : o.String("id");
        var async = o.Bool("async") ?? false;
        var expect = o.Get("expect") is { } e ? ReadExpect(ObjectReader.Of(e, o.PathOf("expect")), def) : StepExpect.None(path);

        StepSpec? target = null;
        if (op == "resume")
        {
            var targetId = o.RequiredString("id");
            target = earlier.LastOrDefault(s => s.Id == targetId)
                ?? throw new ScenarioParseException(o.PathOf("id"), $"no earlier step has id '{targetId}'");
            if (target.PauseAt is null)
                throw new ScenarioParseException(o.PathOf("id"), $"step '{targetId}' ({target.Path}) has no pause-at, so it is never paused");
        }
        var pauseAt = ReadPauseAt(o, target is null ? def : StepOps.Find(target.Op)!);
        if (pauseAt is not null && id is null && op != "resume")
            throw new ScenarioParseException(o.PathOf("pause-at"), "a paused step needs an id so that a resume can name it");
        if (id is not null && earlier.FirstOrDefault(s => s.Id == id) is { } dup)
            throw new ScenarioParseException(o.PathOf("id"), $"duplicate step id '{id}' (also {dup.Path})");

        var step = def.Read(new StepInput(o, vm, index, path, id, pauseAt, async, expect, idIsSlot));
        o.Done();
        return step;
    }

    private static string? ReadPauseAt(ObjectReader o, StepOp op)
    {
        if (o.Get("pause-at") is not { } n) return null;
        var path = o.PathOf("pause-at");
        var phase = Values.Name(n, path, StepOps.AllPhases, "phase");
        var allowed = op.Phases;
        if (allowed.Count == 0) throw new ScenarioParseException(path, $"op {op.Name} has no phases to pause at");
        if (!allowed.Contains(phase))
            throw new ScenarioParseException(path, $"phase '{phase}' is not a phase of op {op.Name} (expected one of {string.Join(", ", allowed)})");
        return phase;
    }

    private static StepExpect ReadExpect(ObjectReader o, StepOp def)
    {
        var (op, accepted) = (def.Name, def.ExpectKeys);
        foreach (var key in o.Keys)
            if (!accepted.Contains(key) && StepOps.AllExpectKeys.Contains(key))
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
}
