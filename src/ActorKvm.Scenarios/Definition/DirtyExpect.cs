namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>One entry of <c>expect.dirty</c>: the pending (not yet collected) dirty pages of a slot.</summary>
/// <param name="Slot">Slot id.</param>
/// <param name="Pages">Page offsets (4K pages from the slot start), exactly.</param>
/// <param name="Path">Key path, e.g. <c>expect.dirty[0]</c>.</param>
public sealed record DirtyExpect(int Slot, IReadOnlyList<ulong> Pages, string Path)
{
    /// <summary>The key path of one key, e.g. <c>expect.dirty[0].pages</c>.</summary>
    public string KeyPath(string key) => $"{Path}.{key}";
}
