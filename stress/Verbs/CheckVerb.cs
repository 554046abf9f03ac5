using System.CommandLine;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Tracing;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>check FILE|DIR ...</c>: loads every scenario, runs the valid ones, prints one line each and
/// <c>N passed, M failed</c>. Exit 0 all pass, 1 any fail, 2 when an input was malformed or missing
/// (the others still run).
/// </summary>
internal static class CheckVerb
{
    public static Command Create(CommonOptions common, CliIo io, CliContext context)
    {
        var command = new Command("check", "Run scripted scenarios and compare every expect");
        var paths = new Argument<string[]>("paths") { Arity = ArgumentArity.OneOrMore, HelpName = "FILE|DIR", Description = "Scenario files or directories" };
        var options = new CheckOptions();
        command.Add(paths);
        options.AddTo(command);
        command.SetAction(r => Execute(r.GetValue(paths) ?? [], r, common, options, io, context));
        return command;
    }

    public static int Execute(IReadOnlyList<string> paths, ParseResult r, CommonOptions common, CheckOptions options, CliIo io, CliContext context)
    {
        var (json, _, _) = common.Read(r);
        var (runOptions, executor) = options.Read(r, context);
        var report = new CheckReport(io.Human(json));
        var traces = new List<(string, IReadOnlyList<PhaseEvent>)>();
        foreach (var path in paths)
        {
            IReadOnlyList<ScenarioLoadResult> loaded = InputFiles.Stat(path).Kind switch
            {
                InputFiles.Kind.Directory => ScenarioLoader.LoadDirectory(path) is { Count: > 0 } all ? all
                    : [ScenarioLoadResult.Failed(new ScenarioError(path, "", $"no scenario files ({string.Join(", ", ScenarioLoader.Extensions)}) in this directory"))],
                InputFiles.Kind.Missing => [ScenarioLoadResult.Failed(new ScenarioError(path, "", "no such file or directory"))],
                _ => [ScenarioLoader.LoadFile(path)],
            };
            foreach (var result in loaded)
            {
                if (result.Scenario is { } scenario)
                {
                    var outcome = Run(executor, scenario, runOptions);
                    report.Add(scenario.SourcePath, outcome);
                    if (outcome.Trace is { } t) traces.Add((scenario.Name, t));
                }
                else report.AddMalformed(result.Error!);
            }
        }
        var written = runOptions.TracePath is not { } tracePath || OptionChecks.TryWrite(io, "--trace", tracePath, () => ChromeTrace.WriteFile(tracePath, traces));
        report.WriteSummary();
        if (json) report.WriteJson(io.Out);
        return report.Malformed > 0 || !written ? ExitCodes.BadInput : report.Failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }

    private static ScenarioOutcome Run(Func<IScenarioExecutor> executor, Engine.Scenarios.Definition.ScenarioDefinition scenario, ScenarioRunOptions options)
    {
        try
        {
            // A fresh executor per scenario, so no state leaks from one scenario into the next.
            return executor().Execute(scenario, options);
        }
        catch (Exception e)
        {
            // An engine bug must not hide the other scenarios' results; it is reported, not swallowed.
            return ScenarioOutcome.Fail(scenario.Name, null, $"internal error: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
