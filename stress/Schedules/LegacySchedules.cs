using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Host;

namespace ActorKvm.Stress.Schedules;

/// <summary>
/// The schedule files of earlier versions, still read: a recorded run of format 2 (gzip-compressed <c>key value</c>
/// lines, then <c>entries N</c> and the entries as decimal numbers) and a hunt's bare choice list (comma-separated
/// indices after a <c>#</c> line naming its seed and bugs, but not its workload, which <c>replay</c> is then given again).
/// </summary>
internal static class LegacySchedules
{
    private const string RecordedMagic = "actorkvm-schedule 2 free-running";
    private const string DefaultBackings = "default";

    /// <summary>The most decompressed bytes read: the header and the recorder's limit of entries at six characters each.</summary>
    private const long MaxTextBytes = (64 << 10) + DeliveryRecorder.DefaultLimit * 6;

    /// <summary>Reads a format-2 recorded run (its numbers are checked by <see cref="ScheduleFile"/> like any header's).</summary>
    public static RecordedSchedule LoadRecordedRun(Stream file)
    {
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        // A gzip bomb decompresses without end: read no more than the largest recording the recorder writes.
        using var bounded = new BoundedReadStream(gz, MaxTextBytes);
        using var r = new StreamReader(bounded, Encoding.UTF8);
        if (r.ReadLine() != RecordedMagic) throw new FormatException($"not a recorded schedule (first line is not '{RecordedMagic}')");
        var h = new Dictionary<string, string>(StringComparer.Ordinal);
        string? line;
        while ((line = r.ReadLine()) is not null)
        {
            var sp = line.IndexOf(' ');
            var (key, value) = sp < 0 ? (line, "") : (line[..sp], line[(sp + 1)..]);
            if (key == "entries") break;
            h[key] = value;
        }
        if (line is null) throw new FormatException("no 'entries' line");
        var count = Long(line.Length > 8 ? line[8..] : "", "entries");
        // The count is a number inside the file: memory follows the entries actually read, never the count.
        if (count is < 0 or > DeliveryRecorder.DefaultLimit) throw new FormatException($"entries: bad count {count} (a recording holds 0..{DeliveryRecorder.DefaultLimit})");
        var entries = new ushort[Math.Min(count, 1 << 16)];
        var n = 0;
        while ((line = r.ReadLine()) is not null)
            foreach (var t in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (n == count) throw new FormatException($"more than the {count} entries announced");
                if (n == entries.Length) Array.Resize(ref entries, (int)Math.Min(count, 2L * entries.Length));
                entries[n++] = ushort.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var e) ? e : throw new FormatException($"entry {n}: '{t}' is not an entry");
            }
        if (n != count) throw new FormatException($"{n} entries, {count} announced (truncated file?)");
        string Get(string key) => h.TryGetValue(key, out var v) ? v : throw new FormatException($"missing '{key}'");
        var backings = Get("backings") == DefaultBackings ? null
            : Get("backings").Split(',').Select(b => BackingKindExtensions.Parse(b) ?? throw new FormatException($"backings: unknown backing '{b}'")).ToList();
        var workload = new WorkloadOptions(
            Vcpus: (int)Long(Get("vcpus"), "vcpus"),
            Memory: (ulong)Long(Get("memory"), "memory"),
            Backings: backings,
            InvalidateEvery: (int)Long(Get("invalidate-every"), "invalidate-every"),
            DirtyLog: Bool(Get("dirty-log"), "dirty-log"),
            MemslotChurn: Bool(Get("memslot-churn"), "memslot-churn"),
            Seed: ulong.TryParse(Get("seed"), NumberStyles.None, CultureInfo.InvariantCulture, out var seed) ? seed : throw new FormatException("seed: not a number"),
            MaxFaults: Long(Get("max-faults"), "max-faults"),
            InvalidateRate: double.TryParse(Get("invalidate-rate"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate >= 0 ? rate : throw new FormatException("invalidate-rate: not a rate"),
            Mte: Bool(Get("mte"), "mte"),
            Protected: Bool(Get("protected"), "protected"),
            Nested: Bool(Get("nested"), "nested"),
            // Absent in files written before the knob existed: those replaced memory with munmap then mmap.
            MapFixedReplace: Bool(h.GetValueOrDefault("map-fixed-replace", "false"), "map-fixed-replace"));
        var bugs = Get("bugs").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var first = Get("first-violation");
        return new RecordedSchedule(workload, bugs, entries, Bool(Get("prefix"), "prefix"), first.Length == 0 ? null : first,
            Long(Get("first-violation-delivery"), "first-violation-delivery"));
    }

    /// <summary>The seed and bug switches an earlier hunt's <c>#</c> line names, or null (a file without one).</summary>
    public static (ulong Seed, string[] Bugs)? HuntHeader(string text)
    {
        var m = Regex.Match(text, @"^# actorkvm hunt schedule: seed (\d+), bugs (\S+)");
        if (!m.Success || !ulong.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var seed)) return null;
        var bugs = m.Groups[2].Value == "none" ? [] : m.Groups[2].Value.Split(',');
        return (seed, bugs);
    }

    /// <summary>Parses a bare choice list (comma-separated indices after <c>#</c> lines); false on anything else.</summary>
    public static bool TryParseChoices(string text, out int[] choices)
    {
        var body = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith('#')));
        var parts = body.Split([',', '\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries);
        choices = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out choices[i])) return false;
        return true;
    }

    private static long Long(string text, string key) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"{key}: '{text}' is not a number");

    private static bool Bool(string text, string key) =>
        text switch { "true" => true, "false" => false, _ => throw new FormatException($"{key}: expected true or false, got '{text}'") };
}
