namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 20, <c>canonical-ipa-not-aligned</c>: for a block of size S both the canonical IPA (gfn, pfn) and the fault IPA are aligned down to S.
/// </summary>
/// <remarks>Kernel fix: 1d8c3c23a6bc. Where: kvm_s2_fault_get_vma_info IPA alignment (UserMemAbort.GetVmaInfo).</remarks>
public static class CanonicalIpaNotAligned
{
    /// <summary>The switch name.</summary>
    public const string Name = "canonical-ipa-not-aligned";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(20, Name, "1d8c3c23a6bc", "I4", "for a block of size S both the canonical IPA (gfn, pfn) and the fault IPA are aligned down to S",
        Produces: Oracle.ViolationKind.StaleMapping);
}
