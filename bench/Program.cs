using System.Globalization;
using ActorKvm.Bench.Cluster;
using ActorKvm.Bench.Contention;
using ActorKvm.Bench.Exploration;
using ActorKvm.Bench.PureFaultPath;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace ActorKvm.Bench;

/// <summary>
/// BenchmarkDotNet entry point: <c>dotnet run --project bench -c Release -- --filter '*'</c>; <c>--quick</c> for
/// Stopwatch loops (pure fault path, exploration, the contention headline cell); <c>--quick-faults [--profile]</c> for
/// the pure fault path per fault kind (with an allocation-tick breakdown by type); <c>--quick-contention [VCPUS]
/// [None|Moderate|Heavy] [--profile]</c> for one contention cell on the three engines (with --profile: the actor engine
/// alone, its bytes and messages per fault by type); <c>--quick-exploration</c> for schedules/s;
/// <c>--contention-loop ENGINE VCPUS RATE SECONDS</c> for one engine's cell run over and over (to attach a CPU profiler,
/// e.g. dotnet-trace); <c>--quick-coordinator [LANES]</c> for the cluster hunt coordinator's cost per range; <c>--modelled-time-tables [DIR]</c>
/// for the published tables reproduced in modelled time, with their SVG plots. <c>ACTORKVM_BENCH_CONFIG=FILE</c> layers a
/// HOCON file over <c>akka.hocon</c> for the actor engine's runs (another dispatcher, same binary).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (ContentionWorkload.ConfigError() is { } error)
        {
            Console.Error.WriteLine(error);
            return 2;
        }
        if (args is ["--quick"])
        {
            QuickThroughput.Run();
            QuickExploration.Run();
            QuickContention.Run();
            return 0;
        }
        if (args is ["--modelled-time-tables", ..])
        {
            ModelledTime.ModelledTimeTables.Run(args.Length > 1 ? args[1] : "docs");
            return 0;
        }
        if (args is ["--quick-faults"] or ["--quick-faults", "--profile"])
        {
            QuickThroughput.Run(profile: args.Length == 2);
            return 0;
        }
        if (args is ["--quick-exploration"])
        {
            QuickExploration.Run();
            return 0;
        }
        if (args is ["--quick-coordinator", ..])
        {
            var lanes = 256;
            if (args.Length > 2 || (args.Length == 2 && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out lanes) || lanes < 1 || lanes > 100_000)))
            {
                Console.Error.WriteLine("usage: --quick-coordinator [LANES 1..100000]");
                return 2;
            }
            QuickCoordinator.Run(lanes);
            return 0;
        }
        if (args is ["--quick-contention", ..])
        {
            var vcpus = 8;
            var rate = InvalidationRate.Heavy;
            var profile = args[^1] == "--profile";
            if (profile) args = args[..^1];
            if (args.Length > 3
                || (args.Length > 1 && (!int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out vcpus) || vcpus < 1 || vcpus > 512))
                || (args.Length > 2 && (!Enum.TryParse(args[2], ignoreCase: true, out rate) || !Enum.IsDefined(rate))))
            {
                Console.Error.WriteLine("usage: --quick-contention [VCPUS 1..512] [None|Moderate|Heavy] [--profile]");
                return 2;
            }
            if (profile) QuickContention.Profile(vcpus, rate);
            else QuickContention.Run(vcpus, rate);
            return 0;
        }
        if (args is ["--contention-loop", ..])
        {
            if (args.Length != 5 || !Enum.TryParse(args[1], ignoreCase: true, out ContentionEngine engine) || !Enum.IsDefined(engine)
                || !int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var vcpus) || vcpus < 1 || vcpus > 512
                || !Enum.TryParse(args[3], ignoreCase: true, out InvalidationRate rate) || !Enum.IsDefined(rate)
                || !double.TryParse(args[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0 || seconds > 3600)
            {
                Console.Error.WriteLine("usage: --contention-loop ActorEngine|LockBased|ChannelsPipeline VCPUS None|Moderate|Heavy SECONDS");
                return 2;
            }
            QuickContention.Loop(engine, vcpus, rate, TimeSpan.FromSeconds(seconds));
            return 0;
        }
        // BenchmarkDotNet builds a boilerplate project per job; its default 2-minute build timeout failed on a loaded machine.
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10)));
        return 0;
    }
}
