namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 17, <c>hwpoison-stale-vma-shift</c>: the SIGBUS for a poisoned page carries the shift of the mapping actually attempted (reduced with the mapping size).
/// </summary>
/// <remarks>Kernel fix: 7b75cd512842, 244acf1976b8. Where: kvm_s2_resolve_vma_size -&gt; kvm_send_hwpoison_signal (UserMemAbort.PinPfn).</remarks>
public static class HwpoisonStaleVmaShift
{
    /// <summary>The switch name.</summary>
    public const string Name = "hwpoison-stale-vma-shift";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(17, Name, "7b75cd512842, 244acf1976b8", "R1", "the SIGBUS for a poisoned page carries the shift of the mapping actually attempted (reduced with the mapping size)",
        Produces: Oracle.ViolationKind.WrongSigbusLsb);
}
