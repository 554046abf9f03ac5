namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 12, <c>perm-fault-relax-ignores-granule</c>: a permission fault relaxes in place only when the mapping size equals the faulting leaf's granule; otherwise it maps.
/// </summary>
/// <remarks>Kernel fix: 7d894834a305. Where: user_mem_abort relax-vs-map choice (KvmS2FaultMap.MapOrRelax).</remarks>
public static class PermFaultRelaxIgnoresGranule
{
    /// <summary>The switch name.</summary>
    public const string Name = "perm-fault-relax-ignores-granule";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(12, Name, "7d894834a305", "P1, I3", "a permission fault relaxes in place only when the mapping size equals the faulting leaf's granule; otherwise it maps",
        Produces: Oracle.ViolationKind.NoProgress);
}
