namespace ActorKvm.Model.Arch;

/// <summary>Fault status codes (<c>ESR_ELx_FSC_*</c>). Level-encoded codes are built with <see cref="FscCodes"/>.</summary>
public enum Fsc : byte
{
    /// <summary>Address size fault, level 0.</summary>
    AddressSizeL0 = 0x00,
    /// <summary>Translation fault, level -1 (<c>ESR_ELx_FSC_FAULT_nL</c>).</summary>
    TranslationLm1 = 0x2B,
    /// <summary>Translation fault, level 0 (<c>ESR_ELx_FSC_FAULT</c> base).</summary>
    TranslationL0 = 0x04,
    /// <summary>Access flag fault, level 0 (<c>ESR_ELx_FSC_ACCESS</c> base).</summary>
    AccessL0 = 0x08,
    /// <summary>Permission fault, level 0 (<c>ESR_ELx_FSC_PERM</c> base).</summary>
    PermissionL0 = 0x0C,
    /// <summary>Synchronous external abort not on a walk (<c>ESR_ELx_FSC_EXTABT</c>).</summary>
    ExtAbt = 0x10,
    /// <summary>Synchronous parity/ECC error not on a walk (<c>ESR_ELx_FSC_SERROR</c>).</summary>
    Ecc = 0x18,
    /// <summary>Exclusive or atomic access to memory with unsupported attributes (<c>ESR_ELx_FSC_EXCL_ATOMIC</c>).</summary>
    ExclAtomic = 0x35,
}

/// <summary>Encoders and the predicates of <c>esr.h</c>.</summary>
public static class FscCodes
{
    /// <summary>Translation fault at a level (-1..3).</summary>
    public static Fsc Translation(int level) => level == -1 ? Fsc.TranslationLm1 : (Fsc)(0x04 + CheckLevel(level));
    /// <summary>Access flag fault at a level (0..3).</summary>
    public static Fsc AccessFlag(int level) => (Fsc)(0x08 + CheckLevel(level));
    /// <summary>Permission fault at a level (0..3).</summary>
    public static Fsc Permission(int level) => (Fsc)(0x0C + CheckLevel(level));
    /// <summary>Synchronous external abort on a table walk at a level (-1..3): 0x13..0x17.</summary>
    public static Fsc ExtAbtOnWalk(int level) => (Fsc)(0x14 + level);

    private static int CheckLevel(int level) =>
        level is >= 0 and <= 3 ? level : throw new ArgumentOutOfRangeException(nameof(level));

    /// <summary><c>esr_fsc_is_translation_fault</c>: exactly the five translation codes.</summary>
    public static bool IsTranslation(this Fsc f) => ((byte)f & 0x3C) == 0x04 || f == Fsc.TranslationLm1;
    /// <summary><c>esr_fsc_is_access_flag_fault</c>.</summary>
    public static bool IsAccessFlag(this Fsc f) => ((byte)f & 0x3C) == 0x08;
    /// <summary><c>esr_fsc_is_permission_fault</c>.</summary>
    public static bool IsPermission(this Fsc f) => ((byte)f & 0x3C) == 0x0C;
    /// <summary><c>esr_fsc_is_excl_atomic_fault</c>.</summary>
    public static bool IsExclAtomic(this Fsc f) => f == Fsc.ExclAtomic;

    /// <summary><c>kvm_vcpu_abt_issea</c>: any synchronous external abort or parity error, on a walk or not.</summary>
    public static bool IsSea(this Fsc f) => (byte)f is 0x10 or (>= 0x13 and <= 0x17) or 0x18 or (>= 0x1B and <= 0x1F);

    /// <summary>The walk level encoded in a level-carrying code (<c>FSC_LEVEL</c> bits; -1 for the nL codes).</summary>
    public static int Level(this Fsc f) => f == Fsc.TranslationLm1 ? -1 : (byte)f & 0x03;

    /// <summary>A short description for traces.</summary>
    public static string Describe(this Fsc f) =>
        f.IsTranslation() ? $"translation-l{f.Level()}"
        : f.IsAccessFlag() ? $"access-flag-l{f.Level()}"
        : f.IsPermission() ? $"permission-l{f.Level()}"
        : f.IsExclAtomic() ? "excl-atomic"
        : f.IsSea() ? "sea"
        : $"fsc-0x{(byte)f:x2}";
}
