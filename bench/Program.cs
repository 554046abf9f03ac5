using ActorKvm.Bench.Exploration;
using ActorKvm.Bench.PureFaultPath;
using BenchmarkDotNet.Running;

namespace ActorKvm.Bench;

/// <summary>BenchmarkDotNet entry point: <c>dotnet run --project bench -c Release -- --filter '*'</c>; <c>--quick</c> for a Stopwatch loop.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--quick"])
        {
            QuickThroughput.Run();
            QuickExploration.Run();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
