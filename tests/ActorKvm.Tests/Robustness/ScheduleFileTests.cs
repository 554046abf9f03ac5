using System.IO.Compression;
using System.Text;
using ActorKvm.Tests.Cli;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Defect 16 and the wrong-seed item: a damaged recorded schedule is one line and exit 2, with memory bounded by a
/// constant (never by a count inside the file), and never a hang; a hunt's schedule names the seed and switches it was
/// found with.
/// </summary>
public sealed class ScheduleFileTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private const string Header = """
        actorkvm-schedule 2 free-running
        vcpus 2
        memory 16777216
        backings default
        mte false
        protected false
        nested false
        map-fixed-replace false
        seed 1
        invalidate-every 16
        invalidate-rate 0
        dirty-log true
        memslot-churn true
        max-faults 9223372036854775807
        bugs 
        prefix true
        first-violation-delivery -1
        first-violation 

        """;

    private string Gz(string name, string text, int repeatZeros = 0)
    {
        var path = Path.Combine(_cli.Root, name);
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.SmallestSize);
        var bytes = Encoding.UTF8.GetBytes(text);
        gz.Write(bytes);
        var zeros = Encoding.UTF8.GetBytes(new string('0', 1 << 20).Replace("0", "0 "));
        for (var i = 0; i < repeatZeros; i++) gz.Write(zeros);
        return path;
    }

    private (int Code, string Err) Replay(string file)
    {
        var (code, _, err) = _cli.Run("replay", "--schedule", file);
        return (code, err);
    }

    [Theory(Timeout = 60000)]
    [InlineData("entries", "entries: '' is not a number")]
    [InlineData("entries 2147483647\n1 2 3\n", "entries: bad count 2147483647")]
    [InlineData("entries 30000000\n1 2 3\n", "3 entries, 30000000 announced")]
    public async Task DamagedEntries_AreOneLineErrors(string tail, string message)
    {
        var (code, err) = await Task.Run(() => Replay(Gz("s.schedule", Header.Replace("\r", "") + tail)));
        Assert.Equal(2, code);
        Assert.Contains(message, Assert.Single(CliHarness.Lines(err)));
    }

    [Fact(Timeout = 60000)]
    public async Task DamagedEntryWithAControlCharacter_IsEscapedInTheError()
    {
        // A fuzzer finding: the error quoted the damaged token as it was, a vertical tab included.
        var (code, err) = await Task.Run(() => Replay(Gz("s.schedule", Header.Replace("\r", "") + "entries 3\n1 5\v1 3\n")));
        Assert.Equal(2, code);
        Assert.Contains("'5\\u000b1' is not an entry", Assert.Single(CliHarness.Lines(err)));
    }

    [Fact(Timeout = 60000)]
    public async Task TruncatedGzip_IsOneLineError()
    {
        var whole = File.ReadAllBytes(Gz("s.schedule", Header.Replace("\r", "") + "entries 3\n1 2 3\n"));
        var cut = Path.Combine(_cli.Root, "cut.schedule");
        File.WriteAllBytes(cut, whole[..(whole.Length - 12)]);
        var (code, err) = await Task.Run(() => Replay(cut));
        Assert.Equal(2, code);
        Assert.StartsWith($"actorkvm: error: --schedule: {cut}: ", Assert.Single(CliHarness.Lines(err)));
    }

    [Fact(Timeout = 120000)]
    public async Task GzipBomb_StopsAtABoundedSize()
    {
        // 400 MB of "0 " compresses to well under 1 MB; the reader stops at the recorder's own limit.
        var bomb = Gz("bomb.schedule", Header.Replace("\r", "") + "entries 33554432\n", repeatZeros: 200);
        var before = GC.GetTotalAllocatedBytes();
        var (code, err) = await Task.Run(() => Replay(bomb));
        Assert.Equal(2, code);
        Assert.Contains("decompressed", Assert.Single(CliHarness.Lines(err)));
    }

    [Theory(Timeout = 60000)]
    [InlineData("vcpus 2", "vcpus 100000", "vcpus: expected 1..4096, got 100000")]
    [InlineData("memory 16777216", "memory 4096", "memory: expected at least 2M")]
    [InlineData("prefix true", "prefix false", "the recording ended but the run went on")]
    public async Task ImplausibleHeaders_AreOneLineErrors_NotHangs(string from, string to, string message)
    {
        var (code, err) = await Task.Run(() => Replay(Gz("s.schedule", Header.Replace("\r", "").Replace(from, to) + "entries 0\n")));
        Assert.Equal(2, code);
        Assert.Contains(message, Assert.Single(CliHarness.Lines(err)));
    }

    [Fact]
    public void HuntSchedule_ReplayedWithAnotherSeedOrBug_IsRefused()
    {
        var file = _cli.Write("h.schedule", "# actorkvm hunt schedule: seed 7, bugs retry-ignores-in-progress\n0,1,0\n");
        var (code, _, err) = _cli.Run("replay", "--seed", "8", "--bug", "retry-ignores-in-progress", "--schedule", file);
        Assert.Equal(2, code);
        Assert.Equal([$"actorkvm: error: --schedule: {file} was found with --seed 7 --bug retry-ignores-in-progress; with other ones it replays another run"], CliHarness.Lines(err));
        Assert.Equal(2, _cli.Run("replay", "--seed", "7", "--schedule", file).Code);
        Assert.NotEqual(2, _cli.Run("replay", "--seed", "7", "--bug", "retry-ignores-in-progress", "--schedule", file).Code);
    }

    [Fact(Timeout = 30000)]
    public async Task ScheduleThatIsAFifo_IsRefused()
    {
        var fifo = Path.Combine(_cli.Root, "s.schedule");
        InputFileTests.MakeFifo(fifo);
        var (code, err) = await Task.Run(() => Replay(fifo));
        Assert.Equal(2, code);
        Assert.Equal([$"actorkvm: error: --schedule: {fifo} is a FIFO, not a regular file"], CliHarness.Lines(err));
    }
}
