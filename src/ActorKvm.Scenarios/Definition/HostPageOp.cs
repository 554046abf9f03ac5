namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Host-MM operations on the page or folio holding one HVA.</summary>
public enum HostPageOp
{
    /// <summary><c>migrate</c>: the folio moves to a new pfn (fails <c>ebusy</c> while pinned or referenced).</summary>
    Migrate,
    /// <summary><c>thp-split</c>: <c>split_huge_pmd</c>.</summary>
    ThpSplit,
    /// <summary><c>thp-split-folio</c>: <c>split_huge_page</c> (fails <c>ebusy</c> on extra references).</summary>
    ThpSplitFolio,
    /// <summary><c>thp-collapse</c>: <c>MADV_COLLAPSE</c> builds a 2M folio (nothing to do over a PMD-mapped range).</summary>
    ThpCollapse,
    /// <summary><c>poison</c>: the page becomes hardware-poisoned.</summary>
    Poison,
}
