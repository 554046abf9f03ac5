using ActorKvm.Tests.Cli;

namespace ActorKvm.Tests.Robustness;

/// <summary>Defects 4 and 8 and the negative-value item: option values that overflowed or outran their budget.</summary>
public class OptionValueTests
{
    [Theory]
    [InlineData("run", "--duration", "1e300s")]
    [InlineData("run", "--duration", "99999999999999999999ms")]
    [InlineData("run", "--duration", "1e10h")]
    [InlineData("hunt", "--budget", "1e300s")]
    public void OverflowingDurations_AreOneLineErrors(string verb, string option, string value)
    {
        // Defect 4: TimeSpan.FromSeconds threw OverflowException.
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run(verb, option, value, "--quiet");
        Assert.Equal(2, code);
        Assert.Equal([$"actorkvm: error: {option}: at most 365 days, got '{value}'"], CliHarness.Lines(err));
    }

    [Theory]
    [InlineData("--duration", "-1s", "--duration: expected a duration")]
    [InlineData("--vcpus", "-3", "--vcpus: expected a count such as 8 or a list such as 1,2,8,64, got '-3'")]
    [InlineData("--memory", "-2G", "--memory: expected a size")]
    public void NegativeValues_AreTheirOptionsErrors_NotUnknownOptions(string option, string value, string message)
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run("run", option, value, "--quiet");
        Assert.Equal(2, code);
        Assert.StartsWith($"actorkvm: error: {message}", Assert.Single(CliHarness.Lines(err)));
    }

    [Theory]
    [InlineData("--seed", "NaN", "--seed: expected a whole number 0..18446744073709551615, got 'NaN'")]
    [InlineData("--seed", "-1", "--seed: expected a whole number 0..18446744073709551615, got '-1'")]
    [InlineData("--seed", "\u001b[31m", "--seed: expected a whole number 0..18446744073709551615, got '\\u001b[31m'")]
    [InlineData("--faults", "1e3", "--faults: expected a whole number -9223372036854775808..9223372036854775807, got '1e3'")]
    public void UnparsableValues_NameTheOptionAndTheKindInWords(string option, string value, string message)
    {
        // A fuzzer finding: System.CommandLine's own conversion error named the .NET type
        // ("as expected type 'System.Nullable`1[System.UInt64]'") and echoed the value's control characters.
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run("run", "--deterministic", option, value, "--quiet");
        Assert.Equal(2, code);
        Assert.Equal([$"actorkvm: error: {message}"], CliHarness.Lines(err));
    }

    [Fact(Timeout = 120000)]
    public async Task HuntBudget_HoldsWithinASchedule()
    {
        // Defect 8: the budget was checked only between schedules, and one schedule of 10^12 faults never ends.
        using var cli = new CliHarness();
        var started = DateTime.UtcNow;
        var (code, stdout, err) = await Task.Run(() => cli.Run("hunt", "--bug", "retry-ignores-in-progress", "--faults", "1000000000000",
            "--budget", "2s", "--seed", "1", "--schedule-dir", cli.Root));
        Assert.True(code == 1, stdout + err);
        Assert.Contains("nothing found in 1 schedules", stdout);
        Assert.Contains("1 abandoned", stdout);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), $"took {DateTime.UtcNow - started}");
    }
}
