namespace ActorKvm.Model.Stage2;

/// <summary>Result of <c>kvm_pgtable_get_leaf</c>: where a walk for one IPA stopped.</summary>
/// <param name="Valid">True when the walk ended on a valid leaf.</param>
/// <param name="Level">Level of the valid leaf, or of the first invalid entry met (the level a translation fault is reported at).</param>
/// <param name="Leaf">The leaf when <paramref name="Valid"/>; default otherwise.</param>
public readonly record struct S2Walk(bool Valid, int Level, S2Leaf Leaf)
{
    /// <inheritdoc/>
    public override string ToString() => Valid ? $"walk(l{Level}, {Leaf})" : $"walk(l{Level}, invalid)";
}
