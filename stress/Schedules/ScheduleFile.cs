using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;

namespace ActorKvm.Stress.Schedules;

/// <summary>
/// One schedule file for recorded runs and hunts alike. The file is the line <see cref="Magic"/>, one line of JSON
/// (<see cref="ScheduleHeader"/>: kind, seed, bugs, workload options, first violation) and then the entries as
/// little-endian 16-bit numbers in a gzip stream. <c>head -2 FILE</c> shows what it is; the entries stay compact (a
/// recording holds up to 32 Mi of them). Files of earlier versions still load (<see cref="LegacySchedules"/>).
/// </summary>
/// <param name="Header">What the run was.</param>
/// <param name="Entries">A recorded run's delivery order, or a hunt's choices.</param>
internal sealed record ScheduleFile(ScheduleHeader Header, ushort[] Entries)
{
    /// <summary>The first line of a file in this format.</summary>
    public const string Magic = "actorkvm-schedule 3";

    /// <summary>The most vCPUs a run takes (<c>run --vcpus</c>).</summary>
    public const int MaxVcpus = 4096;

    private const int MaxHeaderBytes = 64 << 10;

    /// <summary>A recorded free-running run's file.</summary>
    public static ScheduleFile Of(RecordedSchedule s) =>
        new(new(ScheduleKinds.RecordedRun, s.Workload.Seed, s.Bugs, s.Workload, s.Entries.Length, s.FirstViolation?.ReplaceLineEndings(" "), s.FirstViolationDelivery, s.Prefix, s.RunOn), s.Entries);

    /// <summary>A hunt's found schedule: its minimized choices, the schedule's own workload (seed and layout) and bugs.</summary>
    public static ScheduleFile OfHunt(HuntResult r, IReadOnlyList<string> bugs, WorkloadOptions workload)
    {
        var w = r.Workload ?? workload with { Seed = r.Seed };
        var choices = r.Minimized!.Select(c => c is >= 0 and <= ushort.MaxValue ? (ushort)c : throw new InvalidOperationException($"choice {c} does not fit an entry")).ToArray();
        return new(new(ScheduleKinds.Hunt, w.Seed, bugs, w, choices.Length, r.Found?.ToString().ReplaceLineEndings(" ")), choices);
    }

    /// <summary>The recorded run this file holds (kind <see cref="ScheduleKinds.RecordedRun"/>).</summary>
    public RecordedSchedule ToRecorded() => new(Header.Workload, Header.Bugs, Entries, Header.Prefix, Header.FirstViolation, Header.FirstViolationDelivery, Header.RunOn);

    /// <summary>The choices this file holds (kind <see cref="ScheduleKinds.Hunt"/>).</summary>
    public int[] Choices => [.. Entries.Select(e => (int)e)];

    /// <summary>Writes the file.</summary>
    public void Save(string path)
    {
        using var file = File.Create(path);
        file.Write(Encoding.UTF8.GetBytes(Magic + "\n"));
        file.Write(JsonSerializer.SerializeToUtf8Bytes(Header with { Entries = Entries.Length }, ScheduleJson.Header));
        file.WriteByte((byte)'\n');
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        var buffer = new byte[2 * 4096];
        for (var i = 0; i < Entries.Length; i += 4096)
        {
            var n = Math.Min(4096, Entries.Length - i);
            for (var j = 0; j < n; j++) BinaryPrimitives.WriteUInt16LittleEndian(buffer.AsSpan(2 * j), Entries[i + j]);
            gz.Write(buffer, 0, 2 * n);
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> is a self-describing file (this format or a recorded run of format 2); false
    /// for anything else, such as an earlier hunt's bare choice list (which needs its options given again).
    /// </summary>
    public static bool IsSelfDescribing(string path)
    {
        using var f = File.OpenRead(path);
        var start = new byte[Magic.Length + 1];
        var n = f.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return n >= 2 && start[0] == 0x1f && start[1] == 0x8b || Encoding.ASCII.GetString(start, 0, n).StartsWith("actorkvm-schedule ", StringComparison.Ordinal);
    }

    /// <summary>Reads a file written by <see cref="Save"/> (or a recorded run of format 2).</summary>
    /// <exception cref="FormatException">The file is not one, or is damaged; the message (one line) names what is wrong.</exception>
    public static ScheduleFile Load(string path)
    {
        try
        {
            if (InputFiles.Stat(path) is { Kind: not InputFiles.Kind.File } st)
                throw new FormatException(st.Kind == InputFiles.Kind.Missing ? "no such file" : $"is {st.What}, not a regular file");
            using var file = File.OpenRead(path);
            if (file.ReadByte() == 0x1f && file.ReadByte() == 0x8b)
            {
                file.Position = 0;
                return Checked(Of(LegacySchedules.LoadRecordedRun(file)));
            }
            file.Position = 0;
            var magic = Line(file, 64);
            if (magic != Magic)
                throw new FormatException(magic.StartsWith("actorkvm-schedule ", StringComparison.Ordinal)
                    ? $"'{magic}': a format this actorkvm does not know (it reads '{Magic}')"
                    : $"not a schedule file (first line is not '{Magic}')");
            ScheduleHeader header;
            try
            {
                header = JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(Line(file, MaxHeaderBytes)), ScheduleJson.Header)
                    ?? throw new FormatException("header: null");
            }
            catch (JsonException e)
            {
                throw new FormatException($"header: {e.Message}");
            }
            if (header.Entries is < 0 or > DeliveryRecorder.DefaultLimit)
                throw new FormatException($"entries: bad count {header.Entries} (a schedule holds 0..{DeliveryRecorder.DefaultLimit})");
            using var gz = new GZipStream(file, CompressionMode.Decompress);
            return Checked(new ScheduleFile(header, ReadEntries(gz, header.Entries)));
        }
        catch (FormatException e) when (e.Message.Any(char.IsControl))
        {
            // The messages quote the file's tokens, and a damaged file can hold any byte.
            throw new FormatException(Printable.Escape(e.Message.ReplaceLineEndings(" ")));
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"not a schedule file ({e.Message.TrimEnd('.')})");
        }
        catch (EndOfStreamException)
        {
            throw new FormatException("truncated file");
        }
    }

    /// <summary>
    /// Checks the header as the options a user gives are checked: a run's own limits apply (a recording of 100 000 vCPUs
    /// would build them all before diverging), and the bug switches must be known and modelled.
    /// </summary>
    private static ScheduleFile Checked(ScheduleFile s)
    {
        var (h, w) = (s.Header, s.Header.Workload);
        if (!ScheduleKinds.All.Contains(h.Kind)) throw new FormatException($"kind: expected {string.Join(" or ", ScheduleKinds.All)}, got '{h.Kind}'");
        if (h.Seed != w.Seed) throw new FormatException($"seed: {h.Seed}, but the workload's is {w.Seed}");
        if (w.Vcpus is < 1 or > MaxVcpus) throw new FormatException($"vcpus: expected 1..{MaxVcpus}, got {w.Vcpus}");
        if (w.MaxFaults < 1) throw new FormatException("max-faults must be positive");
        if (w.Memory < 2UL << 20) throw new FormatException($"memory: expected at least 2M, got {w.Memory}");
        if (w.InvalidateRate < 0 || !double.IsFinite(w.InvalidateRate)) throw new FormatException("invalidate-rate: not a rate");
        if (WorkloadVm.DoesNotFit(w) is { } tooBig) throw new FormatException($"memory: {tooBig}");
        foreach (var b in h.Bugs)
            if (BugCatalog.Find(b) is not { Modelled: true }) throw new FormatException($"unknown bug switch '{b}'");
        return s;
    }

    /// <summary>Reads <paramref name="count"/> entries; memory follows the entries actually read, never the count.</summary>
    private static ushort[] ReadEntries(Stream gz, long count)
    {
        var entries = new ushort[Math.Min(count, 1 << 16)];
        var buffer = new byte[2 * 4096];
        long n = 0;
        while (n < count)
        {
            var want = (int)Math.Min(buffer.Length, 2 * (count - n));
            var got = gz.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (got < want) throw new FormatException($"{n + got / 2} entries, {count} announced (truncated file?)");
            if (n + want / 2 > entries.Length) Array.Resize(ref entries, (int)Math.Min(count, 2L * entries.Length + want / 2));
            for (var j = 0; j < want; j += 2) entries[n + j / 2] = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(j));
            n += want / 2;
        }
        if (gz.ReadByte() >= 0) throw new FormatException($"more than the {count} entries announced");
        return entries;
    }

    /// <summary>One line of UTF-8 text, at most <paramref name="max"/> bytes (a file without line breaks is not read whole).</summary>
    private static string Line(Stream s, int max)
    {
        var bytes = new List<byte>();
        for (int b; (b = s.ReadByte()) != '\n';)
        {
            if (b < 0) throw new FormatException(bytes.Count == 0 ? "empty file" : "truncated header");
            if (bytes.Count == max) throw new FormatException($"a header line longer than {max} bytes");
            bytes.Add((byte)b);
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
