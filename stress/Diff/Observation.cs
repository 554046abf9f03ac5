namespace ActorKvm.Stress.Diff;

/// <summary>
/// One thing both the model and the real kernel show about a scenario step, keyed by the scenario's key path
/// (<c>steps[3].result</c>, <c>steps[3].faults</c>, <c>steps[3].size</c>, ...) and spelled as scenario text.
/// </summary>
/// <param name="Key">Key path.</param>
/// <param name="Value">Value in scenario spelling (<c>ok</c>, <c>[map]</c>, <c>2M</c>, <c>rw</c>).</param>
public sealed record Observation(string Key, string Value)
{
    /// <summary>
    /// The scenario's key for the KVM functions that WARNed while it ran (distinct, sorted, e.g.
    /// <c>[kvm_mmu_memory_cache_alloc]</c>): the kernel's log against the model's <c>KvmOracle.KernelWarnings</c>.
    /// </summary>
    public const string KernelWarnings = "kernel-warnings";

    /// <summary>The value of <see cref="KernelWarnings"/> for these functions.</summary>
    public static Observation Warnings(IEnumerable<string> functions) =>
        new(KernelWarnings, "[" + string.Join(", ", functions.Distinct().Order(StringComparer.Ordinal)) + "]");
}

/// <summary>The first observation on which the kernel and the model differ.</summary>
/// <param name="Key">Key path.</param>
/// <param name="Kernel">What the kernel showed (<c>none</c> when it showed nothing there).</param>
/// <param name="Model">What the model showed (<c>none</c> when it showed nothing there).</param>
public sealed record Difference(string Key, string Kernel, string Model)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Key}: kernel {Kernel}, model {Model}";
}

/// <summary>Step-by-step comparison of two observation lists.</summary>
public static class ObservationComparer
{
    /// <summary>
    /// The first difference, walking the model's keys in order and then any key only the kernel has; null
    /// when they agree.
    /// </summary>
    public static Difference? FirstDifference(IReadOnlyList<Observation> kernel, IReadOnlyList<Observation> model)
    {
        var k = kernel.GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.First().Value);
        var m = model.GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.First().Value);
        foreach (var key in model.Select(o => o.Key).Concat(kernel.Select(o => o.Key)).Distinct().OrderBy(StepOrder))
        {
            var kv = k.GetValueOrDefault(key, "none");
            var mv = m.GetValueOrDefault(key, "none");
            if (kv != mv) return new Difference(key, kv, mv);
        }
        return null;
    }

    /// <summary>Orders keys by step index (<c>setup</c> first), keeping the order within a step stable.</summary>
    private static int StepOrder(string key)
    {
        if (key == Observation.KernelWarnings) return int.MaxValue; // after the steps: the scenario's log
        if (!key.StartsWith("steps[", StringComparison.Ordinal)) return -1;
        var end = key.IndexOf(']', StringComparison.Ordinal);
        return end > 6 && int.TryParse(key.AsSpan(6, end - 6), out var i) ? i : int.MaxValue;
    }
}
