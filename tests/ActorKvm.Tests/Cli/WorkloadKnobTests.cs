using System.CommandLine;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Verbs;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// The knobs declared on <see cref="WorkloadOptions"/> with <see cref="WorkloadKnobAttribute"/>: each becomes an option of
/// the verbs it names with the verb's default, binds into its member, and the reproduction command's spelling of a
/// changed value binds back to that value.
/// </summary>
public class WorkloadKnobTests
{
    public static TheoryData<string> Declared => [.. WorkloadKnob.All.Select(k => k.Member.Name)];

    [Fact]
    public void TheMovedKnobs_AreDeclared_AndOnlyRunTakesThem()
    {
        Assert.Equal(["--dirty-log", "--memslot-churn", "--map-fixed"], WorkloadKnob.All.Select(k => k.Declared.Option).Take(3));
        Assert.Equal(WorkloadKnob.All.Where(k => k.Declared.Hunt).Select(k => k.Declared.Option), WorkloadKnob.For(WorkloadVerb.Hunt).Select(k => k.Option.Name));
        Assert.Equal(WorkloadKnob.All.Where(k => k.Declared.Hunt).Select(k => k.Declared.Option), WorkloadKnob.For(WorkloadVerb.Replay).Select(k => k.Option.Name));
    }

    [Theory]
    [MemberData(nameof(Declared))]
    public void Run_DefaultsToTheRunsDefault_AndTheSpelledValueBindsBack(string member)
    {
        var w = new WorkloadArgs(WorkloadVerb.Run);
        var knob = w.Knobs.Single(k => k.Member.Name == member);
        var command = new RootCommand();
        foreach (var o in w.Taken) command.Add(o);
        var defaults = RunDefaults.Embedded.Workload(long.MaxValue);

        var none = command.Parse([]);
        Assert.Equal(knob.Member.GetValue(defaults), knob.Member.GetValue(w.Bind(none, defaults)));

        var changed = knob.Member.GetValue(defaults) switch
        {
            bool b => (object)!b,
            int i => i + 3,
            long l => l + 3,
            var v => throw new InvalidOperationException($"{member}: {v}"),
        };
        var with = defaults with { };
        knob.Member.SetValue(with, changed);
        var spelled = knob.Spell(with).Split(' ');
        Assert.Equal(knob.Declared.Option, spelled[0]);
        var given = command.Parse(spelled);
        Assert.Empty(given.Errors);
        Assert.Equal(changed, knob.Member.GetValue(w.Bind(given, defaults)));
    }
}
