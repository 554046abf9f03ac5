using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>Protection of a host VMA (<c>PROT_READ|PROT_WRITE|PROT_EXEC</c>).</summary>
[Flags]
public enum HostProt : byte
{
    /// <summary><c>PROT_NONE</c>.</summary>
    None = 0,
    /// <summary><c>PROT_READ</c>.</summary>
    Read = 1,
    /// <summary><c>PROT_WRITE</c>.</summary>
    Write = 2,
    /// <summary><c>PROT_EXEC</c>.</summary>
    Exec = 4,
}

/// <summary>Parsing and formatting of <see cref="HostProt"/>.</summary>
public static class HostProtExtensions
{
    /// <summary>Parses "rwx"-style text ("" or "none" for none); null when malformed.</summary>
    public static HostProt? Parse(string text)
    {
        var p = Arch.S2ProtExtensions.ParsePerms(text);
        return p is null ? null : (HostProt)(byte)p.Value;
    }

    /// <summary>Formats as "rwx"-style text.</summary>
    public static string Format(this HostProt p) => ((Arch.S2Prot)(byte)p).FormatPerms();
}
