using System.Globalization;
using System.IO.Compression;
using System.Text;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Host;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// A recorded free-running run, as saved on a violation: the workload's options and bug switches (so the file alone
/// replays it), the delivery order (<see cref="DeliveryRecorder"/> entries) and, when the oracle fired during the
/// run, only the prefix up to that turn. The file is gzip-compressed text: a header of <c>key value</c> lines,
/// then <c>entries N</c> and the entries as decimal numbers.
/// </summary>
/// <param name="Workload">The workload that ran.</param>
/// <param name="Bugs">Bug switches that were on.</param>
/// <param name="Entries">The delivery order and decisions.</param>
/// <param name="Prefix">The entries stop at the turn where the first violation appeared (the replay stops there too).</param>
/// <param name="FirstViolation">The first violation as the run printed it, or null.</param>
/// <param name="FirstViolationDelivery">The delivery during which it appeared (1-based), or -1 (found by the final check).</param>
public sealed record RecordedSchedule(WorkloadOptions Workload, IReadOnlyList<string> Bugs, ushort[] Entries, bool Prefix,
    string? FirstViolation, long FirstViolationDelivery)
{
    private const string Magic = "actorkvm-schedule 2 free-running";
    /// <summary>The <c>backings</c> value of the default layout (its main backings and the odd-shaped slots).</summary>
    private const string DefaultBackings = "default";

    /// <summary>Writes the file.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        using var w = new StreamWriter(gz, new UTF8Encoding(false)) { NewLine = "\n" };
        var o = Workload;
        w.WriteLine(Magic);
        w.WriteLine($"vcpus {o.Vcpus}");
        w.WriteLine($"memory {o.Memory}");
        // "default" keeps the default layout's odd-shaped slots, which an explicit backing list leaves out.
        if (o.OddSlots is not null) throw new NotSupportedException("a recorded run uses the default odd slots or none");
        w.WriteLine($"backings {(o.Backings is null ? DefaultBackings : string.Join(',', o.Backings.Select(b => b.ToScenarioName())))}");
        w.WriteLine($"mte {(o.Mte ? "true" : "false")}");
        w.WriteLine($"protected {(o.Protected ? "true" : "false")}");
        w.WriteLine($"nested {(o.Nested ? "true" : "false")}");
        w.WriteLine($"map-fixed-replace {(o.MapFixedReplace ? "true" : "false")}");
        w.WriteLine($"seed {o.Seed}");
        w.WriteLine($"invalidate-every {o.InvalidateEvery}");
        w.WriteLine(FormattableString.Invariant($"invalidate-rate {o.InvalidateRate:R}"));
        w.WriteLine($"dirty-log {(o.DirtyLog ? "true" : "false")}");
        w.WriteLine($"memslot-churn {(o.MemslotChurn ? "true" : "false")}");
        w.WriteLine($"max-faults {o.MaxFaults}");
        w.WriteLine($"bugs {string.Join(',', Bugs)}");
        w.WriteLine($"prefix {(Prefix ? "true" : "false")}");
        w.WriteLine($"first-violation-delivery {FirstViolationDelivery}");
        w.WriteLine($"first-violation {FirstViolation?.ReplaceLineEndings(" ")}");
        w.WriteLine($"entries {Entries.Length}");
        for (var i = 0; i < Entries.Length; i++)
        {
            w.Write(Entries[i].ToString(CultureInfo.InvariantCulture));
            w.Write((i & 31) == 31 || i == Entries.Length - 1 ? '\n' : ' ');
        }
    }

    /// <summary>True when <paramref name="path"/> starts like a recorded free-running schedule (gzip), not a hunt's choice list.</summary>
    public static bool LooksLikeOne(string path)
    {
        using var f = File.OpenRead(path);
        return f.ReadByte() == 0x1f && f.ReadByte() == 0x8b;
    }

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    /// <exception cref="FormatException">The file is not one, or is damaged; the message names what is wrong.</exception>
    public static RecordedSchedule Load(string path)
    {
        try
        {
            if (Scenarios.Loading.InputFiles.Stat(path) is { Kind: not Scenarios.Loading.InputFiles.Kind.File } st)
                throw new FormatException(st.Kind == Scenarios.Loading.InputFiles.Kind.Missing ? "no such file" : $"is {st.What}, not a regular file");
            using var file = File.OpenRead(path);
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            // A gzip bomb decompresses without end: read no more than the largest recording the recorder writes.
            using var bounded = new BoundedReadStream(gz, MaxTextBytes);
            using var r = new StreamReader(bounded, Encoding.UTF8);
            if (r.ReadLine() != Magic) throw new FormatException($"not a recorded schedule (first line is not '{Magic}')");
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
            // The header's numbers are the user's input like any option: the run's own limits apply (a recording of
            // 100 000 vCPUs would build them all before diverging).
            if (workload.Vcpus is < 1 or > MaxVcpus) throw new FormatException($"vcpus: expected 1..{MaxVcpus}, got {workload.Vcpus}");
            if (workload.MaxFaults < 1) throw new FormatException("max-faults must be positive");
            if (workload.Memory < 2UL << 20) throw new FormatException($"memory: expected at least 2M, got {workload.Memory}");
            if (WorkloadVm.DoesNotFit(workload) is { } tooBig) throw new FormatException($"memory: {tooBig}");
            var bugs = Get("bugs").Split(',', StringSplitOptions.RemoveEmptyEntries);
            var first = Get("first-violation");
            return new RecordedSchedule(workload, bugs, entries, Bool(Get("prefix"), "prefix"), first.Length == 0 ? null : first,
                Long(Get("first-violation-delivery"), "first-violation-delivery"));
        }
        catch (FormatException e) when (e.Message.Any(char.IsControl))
        {
            // The messages quote the file's tokens, and a damaged file can hold any byte.
            throw new FormatException(Scenarios.Loading.Printable.Escape(e.Message));
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"not a recorded schedule ({e.Message.TrimEnd('.')})");
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("truncated file");
        }
    }

    /// <summary>The most vCPUs a run takes (<c>run --vcpus</c>).</summary>
    public const int MaxVcpus = 4096;

    /// <summary>The most decompressed bytes read: the header and the recorder's limit of entries at six characters each.</summary>
    private const long MaxTextBytes = (64 << 10) + DeliveryRecorder.DefaultLimit * 6;

    private static long Long(string text, string key) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"{key}: '{text}' is not a number");

    private static bool Bool(string text, string key) =>
        text switch { "true" => true, "false" => false, _ => throw new FormatException($"{key}: expected true or false, got '{text}'") };
}
