using System.Runtime.InteropServices;
using System.Text;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Reads the files a user names (scenarios, <c>--config</c>, schedules) without trusting what they are: only regular
/// files are opened (a FIFO would block the open forever, <c>/dev/zero</c> never ends), and at most
/// <see cref="MaxBytes"/> bytes are read, so the work and memory of a load are bounded by a fixed size.
/// </summary>
public static class InputFiles
{
    /// <summary>The largest input file read (the shipped scenarios are under 8 KiB).</summary>
    public const int MaxBytes = 16 << 20;

    /// <summary>What a path is, from <c>stat</c> (following symbolic links).</summary>
    public enum Kind
    {
        /// <summary>Nothing there (or a dangling link).</summary>
        Missing,

        /// <summary>A regular file.</summary>
        File,

        /// <summary>A directory.</summary>
        Directory,

        /// <summary>A FIFO, socket or device.</summary>
        Special,
    }

    /// <summary>The kind of <paramref name="path"/>, and its device and inode (to notice a directory seen twice).</summary>
    public static (Kind Kind, string What, long Dev, long Ino) Stat(string path)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return (Directory.Exists(path) ? Kind.Directory : File.Exists(path) ? Kind.File : Kind.Missing, "", 0, 0);
        if (NativeStat(path, out var st) != 0) return (Kind.Missing, "", 0, 0);
        return (st.Mode & 0xF000) switch
        {
            0x8000 => (Kind.File, "a regular file", st.Dev, st.Ino),
            0x4000 => (Kind.Directory, "a directory", st.Dev, st.Ino),
            0x1000 => (Kind.Special, "a FIFO", st.Dev, st.Ino),
            0x2000 => (Kind.Special, "a character device", st.Dev, st.Ino),
            0x6000 => (Kind.Special, "a block device", st.Dev, st.Ino),
            0xC000 => (Kind.Special, "a socket", st.Dev, st.Ino),
            _ => (Kind.Special, "not a regular file", st.Dev, st.Ino),
        };
    }

    /// <summary>
    /// The text of the regular file <paramref name="path"/>, or null with <paramref name="error"/> saying why not
    /// (no such file, a directory, a FIFO or device, larger than <see cref="MaxBytes"/>, unreadable).
    /// </summary>
    public static string? ReadText(string path, out string? error)
    {
        var bytes = ReadBytes(path, out error);
        if (bytes is null) return null;
        return new UTF8Encoding(false).GetString(bytes).TrimStart('\uFEFF');
    }

    /// <summary>As <see cref="ReadText"/>, the raw bytes.</summary>
    public static byte[]? ReadBytes(string path, out string? error)
    {
        var (kind, what, _, _) = Stat(path);
        error = kind switch
        {
            Kind.Missing => "no such file",
            Kind.Directory => "is a directory, not a file",
            Kind.Special => $"is {what}, not a regular file",
            _ => null,
        };
        if (error is not null) return null;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                if (buffer.Length + n > MaxBytes)
                {
                    error = $"larger than {MaxBytes >> 20} MiB";
                    return null;
                }
                buffer.Write(chunk, 0, n);
            }
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = "cannot read: " + e.Message.ReplaceLineEndings(" ");
            return null;
        }
    }

    // .NET's own native shim (libSystem.Native, shipped with every runtime) exposes stat with a fixed, architecture
    // independent layout; .NET has no public API for a file's type, and opening a FIFO to ask would block.
    [StructLayout(LayoutKind.Sequential)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
        public long Size;
        public long ATime, ATimeNsec, MTime, MTimeNsec, CTime, CTimeNsec, BirthTime, BirthTimeNsec;
        public long Dev;
        public long RDev;
        public long Ino;
        public uint UserFlags;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out FileStatus status);
}
