using System.Reflection;
using ActorKvm.Engine.Scenarios.Definition;

namespace ActorKvm.Tests.Scenarios;

/// <summary>
/// The op vocabulary has one home: every step type declares its op(s) (name, phases, expect keys, reader) and
/// <see cref="StepOps"/> lists each declaration exactly once, so a step type without its line there is caught.
/// </summary>
public class StepOpsTests
{
    private static IEnumerable<StepOp> Declared(Type t)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (t.GetProperty("Definition", flags)?.GetValue(null) is StepOp one) yield return one;
        if (t.GetProperty("Definitions", flags)?.GetValue(null) is IEnumerable<StepOp> many)
            foreach (var op in many) yield return op;
    }

    [Fact]
    public void EveryStepType_DeclaresItsOps_AndStepOpsListsEachOnce()
    {
        var types = typeof(StepSpec).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(StepSpec)) && !t.IsAbstract).ToList();
        Assert.NotEmpty(types);
        var declared = new List<StepOp>();
        foreach (var t in types)
        {
            var ops = Declared(t).ToList();
            Assert.True(ops.Count > 0, $"{t.Name} declares no StepOp (static Definition or Definitions)");
            declared.AddRange(ops);
        }
        Assert.Equal(declared.OrderBy(o => o.Name), StepOps.All.OrderBy(o => o.Name));
        Assert.Equal(StepOps.Names.Count, StepOps.Names.Distinct().Count());
    }

    [Fact]
    public void EveryOpsPhases_AreKnownPhases_AndItsExpectKeysIncludeTheViolationKeys()
    {
        foreach (var op in StepOps.All)
        {
            Assert.All(op.Phases, p => Assert.Contains(p, StepOps.AllPhases));
            Assert.Contains(StepExpect.ViolationsKey, op.ExpectKeys);
            Assert.Contains(StepExpect.ViolationsIncludeKey, op.ExpectKeys);
        }
    }
}
