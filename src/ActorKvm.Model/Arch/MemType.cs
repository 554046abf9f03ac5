namespace ActorKvm.Model.Arch;

/// <summary>Stage-2 memory type of a leaf (MemAttr), as scenario files name it.</summary>
public enum MemType : byte
{
    /// <summary>Normal write-back cacheable memory.</summary>
    Normal,
    /// <summary>Normal non-cacheable (<c>KVM_PGTABLE_PROT_NORMAL_NC</c>).</summary>
    NormalNc,
    /// <summary>Device-nGnRE (<c>KVM_PGTABLE_PROT_DEVICE</c>).</summary>
    Device,
}
