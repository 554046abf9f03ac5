using System.Globalization;
using System.Text;

namespace ActorKvm.Stress.Diff;

/// <summary>
/// Writes a cpio archive in the kernel's initramfs format ("newc", Documentation/driver-api/early-userspace):
/// appended to the cached base archive, the kernel unpacks both into one root file system.
/// </summary>
internal static class Cpio
{
    /// <summary>Writes the entries (a null content is a directory) and the trailer.</summary>
    public static void Write(Stream s, IEnumerable<(string Name, byte[]? Content)> entries)
    {
        var ino = 0x7000;
        foreach (var (name, content) in entries)
            Entry(s, name, content is null ? 0x41ed : 0x81a4, content ?? [], ino++);
        Entry(s, "TRAILER!!!", 0, [], 0);
    }

    private static void Entry(Stream s, string name, int mode, byte[] content, int ino)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var header = new StringBuilder("070701");
        foreach (var field in new[] { ino, mode, 0, 0, 1, 0, content.Length, 0, 0, 0, 0, nameBytes.Length, 0 })
            header.Append(field.ToString("x8", CultureInfo.InvariantCulture));
        var h = Encoding.ASCII.GetBytes(header.ToString());
        s.Write(h);
        s.Write(nameBytes);
        Pad(s, h.Length + nameBytes.Length);
        s.Write(content);
        Pad(s, content.Length);
    }

    private static void Pad(Stream s, int written)
    {
        for (var i = written; i % 4 != 0; i++) s.WriteByte(0);
    }
}
