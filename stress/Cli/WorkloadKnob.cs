using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Reflection;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Verbs;

namespace ActorKvm.Stress.Cli;

/// <summary>
/// One workload knob declared on <see cref="WorkloadOptions"/> with <see cref="WorkloadKnobAttribute"/>, as a verb takes
/// it: the option built from the declaration, how its value goes into the workload, and how the reproduction command
/// spells it. A plain knob (bool or count) needs nothing in the CLI beyond its declaration and its docs row.
/// </summary>
/// <param name="member">The <see cref="WorkloadOptions"/> member.</param>
/// <param name="declared">Its declaration.</param>
/// <param name="option">The option a verb adds.</param>
/// <param name="given">The value the command line gives, else the default workload's.</param>
/// <param name="text">A value as the reproduction command writes it.</param>
internal sealed class WorkloadKnob(PropertyInfo member, WorkloadKnobAttribute declared, Option option, Func<ParseResult, WorkloadOptions, object> given, Func<object, string> text)
{
    /// <summary>The <see cref="WorkloadOptions"/> member.</summary>
    public PropertyInfo Member => member;

    /// <summary>Its declaration.</summary>
    public WorkloadKnobAttribute Declared => declared;

    /// <summary>The option a verb adds.</summary>
    public Option Option => option;

    /// <summary><paramref name="o"/> with this knob's value: the command line's if given, else <paramref name="defaults"/>'.</summary>
    public WorkloadOptions Bind(ParseResult r, WorkloadOptions o, WorkloadOptions defaults)
    {
        var copy = o with { };
        member.SetValue(copy, given(r, defaults));
        return copy;
    }

    /// <summary><c>--name value</c> of <paramref name="w"/>, always spelled out (a <c>--bug</c> that needs the knob would otherwise turn it on in the replay).</summary>
    public string Spell(WorkloadOptions w) => $"{declared.Option} {text(member.GetValue(w)!)}";

    /// <summary>The knobs <paramref name="verb"/> takes, in <see cref="WorkloadOptions"/>' declaration order, each with its own new option.</summary>
    public static IReadOnlyList<WorkloadKnob> For(WorkloadVerb verb)
    {
        var run = verb == WorkloadVerb.Run;
        var defaults = run ? RunDefaults.Embedded.Workload(long.MaxValue) : HuntOptions.RaceMix;
        return [.. All.Where(k => run || k.Declared.Hunt).Select(k => Make(k.Member, k.Declared, k.Member.GetValue(defaults)!))];
    }

    /// <summary>Every declared knob: <see cref="WorkloadOptions"/>' properties carrying <see cref="WorkloadKnobAttribute"/>, in declaration order.</summary>
    public static IReadOnlyList<(PropertyInfo Member, WorkloadKnobAttribute Declared)> All { get; } =
        [.. typeof(WorkloadOptions).GetProperties().OrderBy(p => p.MetadataToken)
            .Select(p => (p, p.GetCustomAttribute<WorkloadKnobAttribute>()!)).Where(x => x.Item2 is not null)];

    private static WorkloadKnob Make(PropertyInfo member, WorkloadKnobAttribute declared, object fallback)
    {
        var name = declared.Option;
        return member.PropertyType switch
        {
            var t when t == typeof(bool) => Typed(new Option<bool>(name) { DefaultValueFactory = _ => (bool)fallback }, v => v ? "true" : "false"),
            var t when t == typeof(int) => Typed(Counted<int>(name, (int)fallback), v => v.ToString(CultureInfo.InvariantCulture)),
            var t when t == typeof(long) => Typed(Counted<long>(name, (long)fallback), v => v.ToString(CultureInfo.InvariantCulture)),
            var t => throw new InvalidOperationException($"WorkloadOptions.{member.Name}: a [WorkloadKnob] is bool, int or long, not {t.Name}"),
        };

        WorkloadKnob Typed<T>(Option<T> option, Func<T, string> text)
        {
            option.Description = declared.Description;
            return new(member, declared, option, (r, d) => WorkloadArgs.Given(r, option, (T)member.GetValue(d)!)!, v => text((T)v));
        }
    }

    /// <summary>A count of 0 or more.</summary>
    private static Option<T> Counted<T>(string name, T fallback) where T : struct, IBinaryInteger<T>, IMinMaxValue<T> => new(name)
    {
        HelpName = "N",
        CustomParser = CliParsers.From(text => CliParsers.Whole<T>(name, text) is var v && v >= T.Zero ? v : throw new CliUserError($"{name}: expected 0 or more, got {text}")),
        DefaultValueFactory = _ => fallback,
    };
}
