using BenchmarkDotNet.Attributes;

namespace ActorKvm.Bench.PureFaultPath;

/// <summary>
/// The pure fault path (issue 7 item 1): one operation is one fault of <see cref="Kind"/> on the model with no
/// actors, single thread, the oracle checking after every fault. An invocation handles a batch of
/// <see cref="Batch"/> faults; the batch is prepared in <see cref="NextBatch"/>, outside what is measured (time and
/// the MemoryDiagnoser's allocated bytes alike).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(PureFaultPathConfig))]
public class PureFaultPathBenchmarks
{
    /// <summary>Faults per invocation.</summary>
    public const int Batch = 1 << 14;

    private FaultLoop _loop = null!;

    /// <summary>The fault kind.</summary>
    [Params(FaultKind.Write4K, FaultKind.Thp2M, FaultKind.PermissionRelax, FaultKind.AccessFlag)]
    public FaultKind Kind { get; set; }

    [GlobalSetup]
    public void Setup() => _loop = new FaultLoop(Kind, Batch);

    [IterationSetup]
    public void NextBatch() => _loop = _loop.ForNextBatch();

    /// <summary>A batch of faults; per-operation figures are per fault.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int Fault()
    {
        var n = 0;
        while (_loop.FaultNext()) n++;
        if (n != Batch || _loop.Kvm.Oracle.Violations.Count != 0) throw new InvalidOperationException($"{Kind}: {n} faults, {_loop.Kvm.Oracle.Violations.Count} violations");
        return n;
    }
}
