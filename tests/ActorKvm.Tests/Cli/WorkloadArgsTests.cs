using System.CommandLine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// The one binder of the workload options (<see cref="WorkloadArgs"/>): values are parsed by System.CommandLine's custom
/// parsers, whose accepted range may depend on the mode given anywhere on the line; <c>hunt</c> and <c>replay</c> default
/// to the hunt's race mix itself.
/// </summary>
public class WorkloadArgsTests
{
    private static (ParseResult Parsed, WorkloadArgs Args) Parse(WorkloadVerb verb, params string[] args)
    {
        var w = new WorkloadArgs(verb);
        var command = new RootCommand();
        foreach (var o in w.Taken) command.Add(o);
        return (command.Parse(args), w);
    }

    private static string? Error(params string[] args) => Parse(WorkloadVerb.Run, args).Parsed.Errors.Select(e => e.Message).FirstOrDefault();

    [Theory]
    [InlineData(null, "--invalidate-rate", "500/s")]
    [InlineData(null, "--invalidate-rate", "1000000")]
    [InlineData("--invalidate-rate: expected a rate such as 500/s (0 < N <= 1000000), got '0'", "--invalidate-rate", "0")]
    [InlineData("--invalidate-rate: expected a rate such as 500/s (0 < N <= 1000000), got '2e6/s'", "--invalidate-rate", "2e6/s")]
    [InlineData(null, "--modelled-time", "--invalidate-rate", "0")]
    [InlineData(null, "--invalidate-rate", "1e7/s", "--modelled-time")] // the mode may come after the rate
    [InlineData("--invalidate-rate: expected a rate such as 20000/s (0 <= N <= 10000000), got '2e7'", "--invalidate-rate", "2e7", "--modelled-time")]
    [InlineData("--invalidate-rate: a --deterministic run has no clock; use --invalidate-every N (accesses)", "--invalidate-rate", "5/s", "--deterministic")]
    public void InvalidateRate_AcceptsTheRangeOfTheRunsClock(string? error, params string[] args) => Assert.Equal(error, Error(args));

    [Theory]
    [InlineData("--memory", "1M", "--memory: expected a size of at least 2M such as 1G, got '1M'")]
    [InlineData("--faults", "0", "--faults: expected a positive count, got 0")]
    [InlineData("--invalidate-every", "-1", "--invalidate-every: expected 0 or more accesses, got -1")]
    [InlineData("--vcpus", "1,0", "--vcpus: expected 1..4096, got 0")]
    public void BadValues_AreTheParsersErrors(string option, string value, string error) => Assert.Equal(error, Error(option, value));

    [Fact]
    public void Replay_DefaultsToTheHuntsRaceMix_AndTakesNoListOfVcpus()
    {
        var (parsed, w) = Parse(WorkloadVerb.Replay);
        Assert.Empty(parsed.Errors);
        var bound = w.Bind(parsed, HuntOptions.RaceMix);
        Assert.Empty(bound.Variants.On);
        Assert.Equal(HuntOptions.RaceMix, bound with { Variants = HuntOptions.RaceMix.Variants });
        Assert.Equal("6M", parsed.GetValue(w.Memory).Text);

        var (given, w2) = Parse(WorkloadVerb.Replay, "--vcpus", "2", "--memory", "8M", "--faults", "50", "--mte");
        Assert.Equal(HuntOptions.RaceMix with { Vcpus = 2, Memory = 8UL << 20, MaxFaults = 50, Mte = true }, w2.Bind(given, HuntOptions.RaceMix) with { Variants = HuntOptions.RaceMix.Variants });
        Assert.Equal("--vcpus: expected a whole number -2147483648..2147483647, got '1,2'",
            Parse(WorkloadVerb.Replay, "--vcpus", "1,2").Parsed.Errors.Single().Message);
    }

    [Fact]
    public void Run_BindsEveryKnob_AndARateReplacesThePerAccessRatio()
    {
        var (parsed, w) = Parse(WorkloadVerb.Run, "--vcpus", "2,8", "--memory", "1G", "--invalidate-rate", "300/s", "--dirty-log", "false",
            "--memslot-churn", "false", "--map-fixed", "--nested", "--mte");
        Assert.Empty(parsed.Errors);
        var o = w.Bind(parsed, new ActorKvm.Engine.Workload.WorkloadOptions());
        Assert.Equal((2, 1UL << 30, 300.0, 0, false, false, true, true, true),
            (o.Vcpus, o.Memory, o.InvalidateRate, o.InvalidateEvery, o.DirtyLog, o.MemslotChurn, o.MapFixedReplace, o.Nested, o.Mte));
        Assert.Equal([2, 8], parsed.GetValue(w.Vcpus));
        Assert.Equal("1G", parsed.GetValue(w.Memory).Text);
    }
}
