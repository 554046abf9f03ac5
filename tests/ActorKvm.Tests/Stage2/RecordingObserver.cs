using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Tests.Stage2;

/// <summary>Records every stage-2 notification and keeps a shadow of the valid leaves built from them alone.</summary>
internal sealed class RecordingObserver : IStage2Observer
{
    public List<S2Leaf> Installed { get; } = [];
    public List<S2Leaf> Removed { get; } = [];
    public List<(S2Leaf Before, S2Leaf After)> Updated { get; } = [];
    public int UninitialisedUses { get; private set; }
    public int EmptyAllocs { get; private set; }

    /// <summary>Leaves by start IPA, maintained only from notifications.</summary>
    public SortedDictionary<ulong, S2Leaf> Shadow { get; } = [];

    public void LeafInstalled(in S2Leaf leaf)
    {
        Installed.Add(leaf);
        AssertNoOverlap(leaf);
        Shadow.Add(leaf.Ipa.Value, leaf);
        _starts.Add(leaf.Ipa.Value);
    }

    public void LeafRemoved(in S2Leaf leaf)
    {
        Removed.Add(leaf);
        Assert.True(Shadow.Remove(leaf.Ipa.Value, out var had), $"{leaf} removed but not known");
        _starts.Remove(leaf.Ipa.Value);
        Assert.Equal(had, leaf);
    }

    public void LeafUpdated(in S2Leaf before, in S2Leaf after)
    {
        Updated.Add((before, after));
        Assert.Equal(before.Ipa, after.Ipa);
        Assert.Equal(before.Level, after.Level);
        Assert.Equal(before.Pfn, after.Pfn);
        Assert.Equal(Shadow[before.Ipa.Value], before);
        Shadow[after.Ipa.Value] = after;
    }

    private readonly SortedSet<ulong> _starts = [];

    /// <summary>Leaves are size-aligned, so an overlap either starts inside the new leaf or is a larger leaf containing its start.</summary>
    private void AssertNoOverlap(in S2Leaf leaf)
    {
        foreach (var size in new[] { Sizes.PageSize, Sizes.PmdSize, Sizes.PudSize })
        {
            if (Shadow.TryGetValue(leaf.Ipa.AlignDown(size).Value, out var l) && l.Contains(leaf.Ipa))
                Assert.Fail($"{leaf} installed inside {l}");
        }
        using var inside = _starts.GetViewBetween(leaf.Ipa.Value, leaf.End.Value - 1).GetEnumerator();
        if (inside.MoveNext()) Assert.Fail($"{leaf} installed over {Shadow[inside.Current]}");
    }

    public void UninitialisedMemcacheUsed() => UninitialisedUses++;

    public void EmptyMemcacheAlloc() => EmptyAllocs++;

    public void Reset()
    {
        Installed.Clear();
        Removed.Clear();
        Updated.Clear();
        UninitialisedUses = 0;
    }
}

/// <summary>Shorthands for stage-2 tests.</summary>
internal static class S2
{
    public const ulong K4 = Sizes.PageSize;
    public const ulong M2 = Sizes.PmdSize;
    public const ulong G1 = Sizes.PudSize;

    public static Ipa Ipa(ulong v) => new(v);
    public static Pfn Pfn(ulong v) => new(v);

    public static KvmMmuMemoryCache Cache(int pages)
    {
        var mc = new KvmMmuMemoryCache(capacity: pages);
        Assert.Equal(Errno.Ok, mc.TopUp(pages));
        return mc;
    }

    public static List<S2Leaf> Leaves(Stage2PageTable pgt)
    {
        var list = new List<S2Leaf>();
        pgt.CollectLeaves(new Ipa(0), pgt.IpaSize, list);
        return list;
    }

    public static (Stage2PageTable Pgt, RecordingObserver Obs) Table(int ipaBits = 40)
    {
        var pgt = new Stage2PageTable(ipaBits);
        var obs = new RecordingObserver();
        pgt.Observer = obs;
        return (pgt, obs);
    }
}
