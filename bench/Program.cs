using ActorKvm.Bench.Contention;
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
            QuickContention.Run();
            return;
        }
        if (args is ["--quick-contention", ..])
        {
            QuickContention.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 8,
                args.Length > 2 ? Enum.Parse<InvalidationRate>(args[2]) : InvalidationRate.Heavy);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
