namespace ActorKvm.Model.Arch;

/// <summary>
/// ESR_EL2 syndrome of a guest abort, with the field accessors and predicates of
/// <c>arch/arm64/include/asm/esr.h</c> and <c>kvm_emulate.h</c>.
/// </summary>
public readonly record struct Esr(ulong Value)
{
    /// <summary><c>ESR_ELx_EC_IABT_LOW</c>.</summary>
    public const uint EcIabtLow = 0x20;
    /// <summary><c>ESR_ELx_EC_DABT_LOW</c>.</summary>
    public const uint EcDabtLow = 0x24;

    private const int EcShift = 26;
    /// <summary><c>ESR_ELx_IL</c>.</summary>
    public const ulong Il = 1UL << 25;
    /// <summary><c>ESR_ELx_ISV</c>.</summary>
    public const ulong Isv = 1UL << 24;
    /// <summary><c>ESR_ELx_FnV</c>.</summary>
    public const ulong FnV = 1UL << 10;
    /// <summary><c>ESR_ELx_EA</c>.</summary>
    public const ulong Ea = 1UL << 9;
    /// <summary><c>ESR_ELx_CM</c>.</summary>
    public const ulong Cm = 1UL << 8;
    /// <summary><c>ESR_ELx_S1PTW</c>.</summary>
    public const ulong S1Ptw = 1UL << 7;
    /// <summary><c>ESR_ELx_WNR</c>.</summary>
    public const ulong WnR = 1UL << 6;
    private const ulong FscMask = 0x3F;

    /// <summary>Builds a syndrome from its fields.</summary>
    public static Esr Make(uint ec, Fsc fsc, bool wnr = false, bool s1ptw = false, bool cm = false, bool isv = true) =>
        new(((ulong)ec << EcShift) | Il | (isv ? Isv : 0) | (cm ? Cm : 0) | (s1ptw ? S1Ptw : 0) | (wnr ? WnR : 0) | (byte)fsc);

    /// <summary>Exception class.</summary>
    public uint Ec => (uint)(Value >> EcShift) & 0x3F;
    /// <summary>Fault status code.</summary>
    public Fsc Fsc => (Fsc)(Value & FscMask);
    /// <summary>Syndrome valid (needed to emulate MMIO).</summary>
    public bool IsIsv => (Value & Isv) != 0;
    /// <summary><c>kvm_vcpu_dabt_is_cm</c>.</summary>
    public bool IsCm => (Value & Cm) != 0;
    /// <summary><c>kvm_vcpu_abt_iss1tw</c>.</summary>
    public bool IsS1Ptw => (Value & S1Ptw) != 0;
    /// <summary>Write-not-read.</summary>
    public bool IsWnR => (Value & WnR) != 0;

    /// <summary><c>kvm_vcpu_trap_is_iabt</c>.</summary>
    public bool IsIabt => Ec == EcIabtLow;

    /// <summary><c>kvm_vcpu_trap_is_exec_fault</c>: an instruction abort not caused by the stage-1 walk.</summary>
    public bool IsExecFault => IsIabt && !IsS1Ptw;

    /// <summary>
    /// <c>kvm_is_write_fault</c>: an S1PTW abort is a write only when it is a permission fault (so stage-1
    /// tables in a read-only slot map read-only on a translation fault); an IABT never; else WnR.
    /// </summary>
    public bool IsWriteFault => IsS1Ptw ? Fsc.IsPermission() : !IsIabt && IsWnR;

    /// <summary>
    /// <c>kvm_vcpu_trap_get_perm_fault_granule</c>: the size of the leaf that raised the permission fault.
    /// It is a kernel bug to ask for it on another FSC.
    /// </summary>
    public ulong PermFaultGranule =>
        Fsc.IsPermission() ? Sizes.LevelSize(Fsc.Level()) : throw new InvalidOperationException("not a permission fault");

    /// <inheritdoc/>
    public override string ToString() => $"esr:0x{Value:x}({(IsIabt ? "iabt" : "dabt")},{Fsc.Describe()}{(IsWnR ? ",wnr" : "")}{(IsS1Ptw ? ",s1ptw" : "")}{(IsCm ? ",cm" : "")})";
}
