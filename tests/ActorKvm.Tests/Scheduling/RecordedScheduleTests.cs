using System.IO.Compression;
using System.Text;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;

namespace ActorKvm.Tests.Scheduling;

/// <summary>A recorded schedule's file carries every workload knob a replay needs.</summary>
public class RecordedScheduleTests
{
    private static RecordedSchedule Schedule(WorkloadOptions o) => new(o, ["vma-used-after-mmap-unlock"], [1, 2, 3], Prefix: false, FirstViolation: null, FirstViolationDelivery: -1);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void MteAndMapFixedReplace_SurviveSaveAndLoad(bool mte, bool mapFixed)
    {
        var file = Path.GetTempFileName();
        try
        {
            Schedule(new WorkloadOptions(Mte: mte, MapFixedReplace: mapFixed, MaxFaults: 10)).Save(file);
            var loaded = RecordedSchedule.Load(file).Workload;
            Assert.Equal(mte, loaded.Mte);
            Assert.Equal(mapFixed, loaded.MapFixedReplace);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AFileWrittenBeforeMapFixedReplace_LoadsAsMunmapThenMmap()
    {
        var file = Path.GetTempFileName();
        try
        {
            Schedule(new WorkloadOptions(MapFixedReplace: true, MaxFaults: 10)).Save(file);
            string text;
            using (var gz = new GZipStream(File.OpenRead(file), CompressionMode.Decompress))
            using (var r = new StreamReader(gz))
                text = r.ReadToEnd();
            var old = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("map-fixed-replace ", StringComparison.Ordinal)));
            Assert.NotEqual(text, old);
            using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
                gz.Write(Encoding.UTF8.GetBytes(old));

            Assert.False(RecordedSchedule.Load(file).Workload.MapFixedReplace);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
