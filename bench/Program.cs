using BenchmarkDotNet.Running;

namespace ActorKvm.Bench;

/// <summary>BenchmarkDotNet entry point: <c>dotnet run --project bench -c Release -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
