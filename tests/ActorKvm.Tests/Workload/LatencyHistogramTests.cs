using ActorKvm.Engine.Workload;

namespace ActorKvm.Tests.Workload;

/// <summary>The fault-latency histogram: percentiles within a bucket's width of the exact value, max exact.</summary>
public class LatencyHistogramTests
{
    [Fact]
    public void PercentilesOfOneToTenThousand_AreWithinSixPercent_MaxExact()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 10_000; v++) h.Record(v);

        Assert.Equal(10_000, h.Count);
        Assert.Equal(10_000, h.Max);
        Assert.InRange(h.Percentile(50), 5_000, 5_000 * 1.07);
        Assert.InRange(h.Percentile(99), 9_900, 10_000);
        Assert.Equal(10_000, h.Percentile(100));
    }

    [Fact]
    public void SmallValues_AreExact_EmptyIsZero()
    {
        var h = new LatencyHistogram();
        Assert.Equal(0, h.Percentile(50));
        foreach (var v in new[] { 3, 3, 3, 7 }) h.Record(v);
        Assert.Equal(3, h.Percentile(50));
        Assert.Equal(7, h.Percentile(99));
    }

    [Fact]
    public void Clear_ForgetsEverySample()
    {
        var h = new LatencyHistogram();
        foreach (var v in new[] { 5, 900, 70_000 }) h.Record(v);
        h.Clear();
        Assert.Equal(0, h.Count);
        Assert.Equal(0, h.Max);
        Assert.Equal(0, h.Percentile(99));
        h.Record(4);
        Assert.Equal(4, h.Percentile(100));
    }
}
