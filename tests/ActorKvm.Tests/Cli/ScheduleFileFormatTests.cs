using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Host;
using ActorKvm.Model.Variants;
using ActorKvm.Stress.Schedules;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// The schedule file carries everything a replay needs (its header is the engine's own workload record, serialized by
/// System.Text.Json), refuses what it does not know, and still reads the files of earlier versions.
/// </summary>
public sealed class ScheduleFileFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("actorkvm-schedule-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ScheduleFile Recorded(WorkloadOptions o) =>
        ScheduleFile.Of(new RecordedSchedule(o, ["vma-used-after-mmap-unlock"], [1, 2, 3, DeliveryRecorder.ExternalStop], Prefix: true, FirstViolation: "stale-mapping: x", FirstViolationDelivery: 2));

    private static string HeaderJson(ScheduleFile f) => JsonSerializer.Serialize(f.Header, ScheduleJson.Header);

    private string SaveAndLoadJson(ScheduleFile f, out ScheduleFile loaded)
    {
        var path = Path.Combine(_dir, "s.schedule");
        f.Save(path);
        loaded = ScheduleFile.Load(path);
        return HeaderJson(loaded);
    }

    [Fact]
    public void EveryWorkloadKnob_SurvivesSaveAndLoad()
    {
        // Every knob off its default, so a knob the file dropped would show in the header's text.
        var o = new WorkloadOptions(Vcpus: 3, Memory: 24UL << 20, Backings: [BackingKind.Hugetlb2M, BackingKind.Anon], InvalidateEvery: 5,
            DirtyLog: false, MemslotChurn: false, Seed: 99, MaxFaults: 1234, InvalidateRate: 250.5, OddSlots: [OddSlot.Defaults[1]], Mte: true,
            QueueHostOps: true, Protected: true, Nested: true, MapFixedReplace: true, ReachOps: true)
        { Variants = new VariantSet(VariantCatalog.Names.Take(1)) };
        var saved = Recorded(o);

        var json = SaveAndLoadJson(saved, out var loaded);

        Assert.Equal(HeaderJson(saved), json);
        Assert.Equal(saved.Entries, loaded.Entries);
        Assert.Equal(ScheduleKinds.RecordedRun, loaded.Header.Kind);
        Assert.Equal([BackingKind.Hugetlb2M, BackingKind.Anon], loaded.Header.Workload.Backings);
        Assert.Equal(VariantCatalog.Names.Take(1), loaded.Header.Workload.Variants.On);
        Assert.True(loaded.Header.Workload.MapFixedReplace && loaded.Header.Workload.Nested && loaded.Header.Workload.ReachOps);
        Assert.Contains("\"backings\":[\"hugetlb-2M\",\"anon\"]", json);
    }

    [Fact]
    public void EveryHeaderKey_IsDocumented()
    {
        var doc = File.ReadAllText(Path.Combine(ActorKvm.Tests.Support.RepoPaths.Root, "docs", "cli.md"));
        var header = JsonDocument.Parse(HeaderJson(Recorded(new WorkloadOptions(OddSlots: OddSlot.Defaults)))).RootElement;
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) foreach (var x in e.EnumerateArray()) Walk(x);
            if (e.ValueKind != JsonValueKind.Object) return;
            foreach (var p in e.EnumerateObject())
            {
                keys.Add(p.Name);
                Walk(p.Value);
            }
        }
        Walk(header);

        Assert.Contains("map_fixed_replace", keys);
        Assert.Empty(ActorKvm.Tests.Docs.DocsCoverageTests.Missing(doc, keys));
    }

    [Fact]
    public void AHuntSchedule_CarriesItsScheduleWorkloadAndChoices()
    {
        var workload = HuntOptions.RaceMix with { Seed = 7, Backings = [BackingKind.Thp], Mte = true };
        var found = new HuntResult(null, 7, 1, TimeSpan.Zero, 3, [0, 2, 1], workload);

        SaveAndLoadJson(ScheduleFile.OfHunt(found, ["retry-ignores-in-progress"], HuntOptions.RaceMix), out var loaded);

        Assert.Equal(ScheduleKinds.Hunt, loaded.Header.Kind);
        Assert.Equal([0, 2, 1], loaded.Choices);
        Assert.Equal((7UL, true, 3), (loaded.Header.Workload.Seed, loaded.Header.Workload.Mte, loaded.Header.Workload.Vcpus));
        Assert.Equal(OddSlot.Defaults.Count, loaded.Header.Workload.OddSlots!.Count);
    }

    /// <summary>Rewrites the header line of the file at <paramref name="path"/>.</summary>
    private static void EditHeader(string path, Func<string, string> edit)
    {
        var bytes = File.ReadAllBytes(path);
        var first = Array.IndexOf(bytes, (byte)'\n');
        var second = Array.IndexOf(bytes, (byte)'\n', first + 1);
        var header = Encoding.UTF8.GetString(bytes, first + 1, second - first - 1);
        var edited = edit(header);
        Assert.NotEqual(header, edited);
        File.WriteAllBytes(path, [.. bytes[..(first + 1)], .. Encoding.UTF8.GetBytes(edited), .. bytes[second..]]);
    }

    [Fact]
    public void AHeaderWithoutAKnob_LoadsWithTheKnobsDefault()
    {
        var path = Path.Combine(_dir, "s.schedule");
        Recorded(new WorkloadOptions(MapFixedReplace: true, MaxFaults: 10)).Save(path);
        EditHeader(path, h => h.Replace(",\"map_fixed_replace\":true", ""));

        Assert.False(ScheduleFile.Load(path).Header.Workload.MapFixedReplace);
    }

    [Theory]
    [InlineData(",\"nested\":false", ",\"nested\":false,\"warp_drive\":true", "warp_drive")]
    [InlineData("\"kind\":\"recorded-run\",", "", "kind")]
    [InlineData("\"kind\":\"recorded-run\"", "\"kind\":\"guess\"", "kind: expected recorded-run or hunt, got 'guess'")]
    [InlineData("\"vcpus\":4", "\"vcpus\":100000", "vcpus: expected 1..4096, got 100000")]
    [InlineData("\"backings\":null", "\"backings\":[\"floppy\"]", "unknown backing 'floppy'")]
    [InlineData("\"vma-used-after-mmap-unlock\"", "\"no-such-bug\"", "unknown bug switch 'no-such-bug'")]
    [InlineData("\"entries\":4", "\"entries\":5", "4 entries, 5 announced")]
    [InlineData("\"entries\":4", "\"entries\":3", "more than the 3 entries announced")]
    public void ADamagedOrUnknownHeader_IsOneLineFormatError(string from, string to, string message)
    {
        var path = Path.Combine(_dir, "s.schedule");
        Recorded(new WorkloadOptions(MaxFaults: 10)).Save(path);
        EditHeader(path, h => h.Replace(from, to));

        var e = Assert.Throws<FormatException>(() => ScheduleFile.Load(path));

        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void ARecordedRunOfFormat2_StillLoads_AndAFileWithoutMapFixedReplaceIsMunmapThenMmap()
    {
        var path = Path.Combine(_dir, "old.schedule");
        const string text = "actorkvm-schedule 2 free-running\nvcpus 2\nmemory 16777216\nbackings thp,anon\nmte false\nprotected false\nnested false\n"
            + "seed 5\ninvalidate-every 16\ninvalidate-rate 0\ndirty-log true\nmemslot-churn true\nmax-faults 100\nbugs canonical-ipa-not-aligned\n"
            + "prefix true\nfirst-violation-delivery 3\nfirst-violation x\nentries 3\n1 2 3\n";
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest)) gz.Write(Encoding.UTF8.GetBytes(text));

        var loaded = ScheduleFile.Load(path);

        Assert.Equal((ScheduleKinds.RecordedRun, 5UL, 2), (loaded.Header.Kind, loaded.Header.Seed, loaded.Header.Workload.Vcpus));
        Assert.Equal([BackingKind.Thp, BackingKind.Anon], loaded.Header.Workload.Backings);
        Assert.False(loaded.Header.Workload.MapFixedReplace);
        Assert.Equal(new ushort[] { 1, 2, 3 }, loaded.Entries);
        Assert.Equal(["canonical-ipa-not-aligned"], loaded.Header.Bugs);
    }
}
