using System.CommandLine;
using System.Globalization;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Verbs;

namespace ActorKvm.Stress.Cli;

/// <summary>The verbs that run the stress workload, each with its own defaults for the same options.</summary>
internal enum WorkloadVerb
{
    /// <summary><c>run</c> (and the default verb): defaults from <c>actorkvm.run</c> of <c>akka.hocon</c>, then <c>--config</c>.</summary>
    Run,

    /// <summary><c>hunt</c> (and <c>worker</c>): the hunt's race mix (<see cref="HuntOptions.RaceMix"/>).</summary>
    Hunt,

    /// <summary><c>replay</c>: a hunt's race mix too, so <c>replay --seed N</c> replays what <c>hunt</c> explored.</summary>
    Replay,
}

/// <summary>
/// The workload options of <c>run</c>, <c>hunt</c> and <c>replay</c>, each declared here once: its name, its parser (sizes,
/// rates and counts are System.CommandLine custom parsers, <see cref="CliParsers"/>), its default for each verb, and how
/// the command line's value goes into the engine's <see cref="WorkloadOptions"/> (<see cref="Bind"/>). A verb adds the
/// ones it takes (<see cref="Taken"/>). A plain knob (bool, count, size) is not written here at all: its
/// <see cref="WorkloadKnobAttribute"/> on <see cref="WorkloadOptions"/> declares it, and <see cref="WorkloadKnob"/> derives
/// the option, its default, binding, scenario refusal and reproduction spelling; only options with verb-specific
/// defaults, parsers or cross-checks are declared by hand below.
/// </summary>
internal sealed class WorkloadArgs
{
    private readonly WorkloadVerb _verb;

    public WorkloadArgs(WorkloadVerb verb)
    {
        _verb = verb;
        Knobs = WorkloadKnob.For(verb);
        var run = verb == WorkloadVerb.Run;
        var mix = HuntOptions.RaceMix;
        var d = RunDefaults.Embedded;
        Seed = new("--seed")
        {
            Description = verb switch
            {
                WorkloadVerb.Run => "Seed of the workload's choices and of the deterministic dispatcher (default: random, always printed)",
                WorkloadVerb.Hunt => "First schedule's seed (default: random, always printed)",
                _ => "The schedule's seed (workload and, without --schedule, dispatcher); not with a recorded run",
            },
        };
        Bug = verb == WorkloadVerb.Hunt ? BugNames.Option("Bug switch to hunt (none: a no-bug hunt that must find nothing)") : BugNames.Option();
        Variant = VariantNames.Option();
        Vcpus = new("--vcpus")
        {
            Description = run ? "vCPU actors; a list (1,2,8,64) runs a sweep at a fixed --invalidate-rate" : "vCPUs",
            HelpName = run ? "N[,N...]" : null,
            CustomParser = CliParsers.From(text => CliParsers.Vcpus(text, list: run)),
            DefaultValueFactory = _ => [run ? d.Vcpus : mix.Vcpus],
        };
        Memory = new("--memory")
        {
            Description = run ? "Guest memory, e.g. 1G (sparse)" : "Guest memory",
            CustomParser = CliParsers.From(MemorySize.Parse),
            DefaultValueFactory = _ => run ? MemorySize.Parse(d.Memory) : MemorySize.OfBytes(mix.Memory),
        };
        Faults = new("--faults")
        {
            Description = verb switch
            {
                WorkloadVerb.Run => "Stop after N handled faults (a --deterministic run: default 100000)",
                WorkloadVerb.Hunt => "Faults per schedule",
                _ => "Faults in the schedule",
            },
            CustomParser = CliParsers.From(text => (long?)CliParsers.Faults(text)),
        };
        if (!run) Faults.DefaultValueFactory = _ => mix.MaxFaults;
        Backing = new("--backing")
        {
            Description = verb switch
            {
                WorkloadVerb.Run => "One slot per backing (repeatable): thp, anon, hugetlb-2M, ...",
                WorkloadVerb.Hunt => "One slot per backing (repeatable; default thp, anon, hugetlb-2M; the first slot's dirty logging flips)",
                _ => "One slot per backing (repeatable)",
            },
            AllowMultipleArgumentsPerToken = false,
        };
        InvalidateEvery = new("--invalidate-every")
        {
            Description = run ? "A host MM operation after every N finished accesses (0: none)" : "A host MM operation after every N accesses",
            CustomParser = CliParsers.From(CliParsers.InvalidateEvery),
            DefaultValueFactory = _ => run ? d.InvalidateEvery : mix.InvalidateEvery,
        };
        InvalidateRate = new("--invalidate-rate")
        {
            Description = "Host MM operations per second, e.g. 500/s (free-running; replaces --invalidate-every)",
            HelpName = "N/s",
            CustomParser = CliParsers.From((r, text) => (double?)CliParsers.Rate(text,
                r.GetValue(ModelledTime) ? CliParsers.RateClock.Modelled : r.GetValue(Deterministic) ? CliParsers.RateClock.None : CliParsers.RateClock.WallClock)),
        };
        Mte = new("--mte")
        {
            Description = run
                ? "An MTE VM (KVM_CAP_ARM_MTE): device slots are refused, faults sanitise tags (default: actorkvm.run.mte; --bug applies it where a switch needs it)"
                : "An MTE VM (hunt's MTE layout)",
            DefaultValueFactory = _ => run && d.Mte,
        };
    }

    public Option<ulong?> Seed { get; }
    public Option<string[]> Bug { get; }
    public Option<string[]> Variant { get; }
    public Option<IReadOnlyList<int>> Vcpus { get; }
    public Option<MemorySize> Memory { get; }
    public Option<long?> Faults { get; }
    public Option<string[]> Backing { get; }
    public Option<int> InvalidateEvery { get; }
    public Option<double?> InvalidateRate { get; }
    public Option<bool> Mte { get; }

    /// <summary>The knobs declared on <see cref="WorkloadOptions"/> that this verb takes.</summary>
    public IReadOnlyList<WorkloadKnob> Knobs { get; }

    /// <summary>The option of the declared knob <paramref name="member"/> (a <see cref="WorkloadOptions"/> property name) for this verb.</summary>
    public Option<T> Knob<T>(string member) => (Option<T>)Knobs.Single(k => k.Member.Name == member).Option;

    public Option<bool> DirtyLog => Knob<bool>(nameof(WorkloadOptions.DirtyLog));
    public Option<bool> MemslotChurn => Knob<bool>(nameof(WorkloadOptions.MemslotChurn));
    public Option<bool> MapFixed => Knob<bool>(nameof(WorkloadOptions.MapFixedReplace));
    public Option<bool> Protected { get; } = new("--protected") { Description = "The VM is a pKVM protected VM: faults pin and donate pages (pkvm_mem_abort); no dirty logging, no slot moves" };
    public Option<bool> Nested { get; } = new("--nested") { Description = "FEAT_NV: the even vCPUs run L2 behind an L1 stage 2; their faults fill shadow stage 2s, L1's own are injected into L1" };
    public Option<bool> Deterministic { get; } = new("--deterministic") { Description = "Run on the seeded single-threaded dispatcher" };
    public Option<bool> ModelledTime { get; } = new("--modelled-time") { Description = "Report in modelled time: per-phase costs on virtual CPUs (actorkvm.modelled-time in akka.hocon), independent of this machine" };

    /// <summary>
    /// The options this verb takes. <c>hunt</c>'s race mix keeps its shape (vCPUs, memory, host-operation ratio) so its
    /// schedules stay comparable; <c>replay</c> takes what a hunt's bare choice list needs given again.
    /// </summary>
    public IReadOnlyList<Option> Taken
    {
        get
        {
            Option[] own = _verb switch
            {
                WorkloadVerb.Run => [Protected, Nested, Mte, Vcpus, Faults, Seed, Memory, Backing, Bug, Variant, Deterministic, ModelledTime, InvalidateRate, InvalidateEvery],
                WorkloadVerb.Hunt => [Bug, Seed, Faults, Backing, Variant],
                _ => [Seed, Bug, Vcpus, Memory, InvalidateEvery, Faults, Backing, Mte, Variant],
            };
            return [.. own, .. Knobs.Select(k => k.Option)];
        }
    }

    /// <summary>The options that shape the workload's VM and load (not the seed, bugs or variants): what a scenario, which describes its own, refuses.</summary>
    public IReadOnlyList<Option> Shape => [Vcpus, Faults, Memory, Backing, InvalidateRate, InvalidateEvery, Mte, Protected, Nested, .. Knobs.Select(k => k.Option)];

    /// <summary>The value given on the command line, else <paramref name="fallback"/> (<c>run</c>: its <c>--config</c> layer).</summary>
    public static T Given<T>(ParseResult r, Option<T> option, T fallback) => r.GetResult(option) is { Implicit: false } ? r.GetValue(option)! : fallback;

    /// <summary>
    /// The workload the command line asks for over <paramref name="defaults"/> (for <c>run</c> the layered
    /// <c>actorkvm.run</c>, <see cref="RunDefaults.Workload"/>; for <c>hunt</c> and <c>replay</c> the race mix): the options
    /// this verb takes, given or not, with the first of <c>--vcpus</c> (a sweep runs the rest). The seed is left to the caller.
    /// </summary>
    public WorkloadOptions Bind(ParseResult r, WorkloadOptions defaults)
    {
        var o = defaults with
        {
            Vcpus = Given(r, Vcpus, [defaults.Vcpus])[0],
            Memory = Given(r, Memory, MemorySize.OfBytes(defaults.Memory)).Bytes,
            MaxFaults = Given(r, Faults, defaults.MaxFaults) ?? defaults.MaxFaults,
            Backings = Backings.Parse(r.GetValue(Backing)) ?? defaults.Backings,
            InvalidateEvery = Given(r, InvalidateEvery, defaults.InvalidateEvery),
            Mte = Given(r, Mte, defaults.Mte),
            Variants = VariantNames.Check(r.GetValue(Variant)),
        };
        foreach (var k in Knobs) o = k.Bind(r, o, defaults);
        if (_verb != WorkloadVerb.Run) return o;
        if (r.GetValue(InvalidateRate) is { } rate) o = o with { InvalidateRate = rate, InvalidateEvery = 0 };
        return ProtectedNested(r, o);
    }

    /// <summary>
    /// A protected VM has no FEAT_NV (pKVM does not expose nested virtualization to protected guests), logs no dirty
    /// pages and does not move a slot once it ran (<see cref="ProtectedWorkload.Note"/>): asking for those explicitly is an error.
    /// </summary>
    private WorkloadOptions ProtectedNested(ParseResult r, WorkloadOptions o)
    {
        var isProtected = r.GetValue(Protected);
        var nested = r.GetValue(Nested);
        if (isProtected && nested)
            throw new CliUserError("--nested: a protected VM cannot run nested guests (pKVM does not expose FEAT_NV to protected VMs)");
        if (isProtected && r.GetResult(DirtyLog) is { Implicit: false } && r.GetValue(DirtyLog))
            throw new CliUserError("--dirty-log: a protected VM cannot log dirty pages (pKVM refuses KVM_MEM_LOG_DIRTY_PAGES on protected VMs)");
        if (isProtected && r.GetResult(MemslotChurn) is { Implicit: false } && r.GetValue(MemslotChurn))
            throw new CliUserError("--memslot-churn: a protected VM's slots cannot move once it has run (pKVM refuses KVM_MR_MOVE)");
        return o with { Protected = isProtected, Nested = nested };
    }

    private static readonly IReadOnlyList<WorkloadKnob> RunKnobs = WorkloadKnob.For(WorkloadVerb.Run);

    /// <summary>
    /// The workload knobs of <paramref name="w"/> as <c>run</c> takes them, in the order the reproduction command prints
    /// them (<paramref name="memory"/> as the user wrote it; <paramref name="backings"/> and <paramref name="bugs"/> as given;
    /// <c>--invalidate-every</c> left out of a run on a host-operation clock).
    /// </summary>
    public static IEnumerable<string> Spell(WorkloadOptions w, string memory, IEnumerable<string> backings, IEnumerable<string> bugs, bool onClock)
    {
        string Bool(bool b) => b ? "true" : "false";
        yield return $"--seed {w.Seed}";
        yield return $"--vcpus {w.Vcpus}";
        yield return $"--memory {memory}";
        foreach (var b in backings) yield return $"--backing {b}";
        foreach (var b in bugs) yield return $"--bug {b}";
        foreach (var v in w.Variants.On) yield return $"--variant {v}";
        if (!onClock) yield return $"--invalidate-every {w.InvalidateEvery.ToString(CultureInfo.InvariantCulture)}";
        foreach (var k in RunKnobs) yield return k.Spell(w);
        // Always spelled out: a --bug whose switch needs MTE would otherwise turn it on in the replay.
        yield return $"--mte {Bool(w.Mte)}";
        if (w.Protected) yield return "--protected";
        if (w.Nested) yield return "--nested";
    }
}
