using ActorKvm.Model.Fault;

namespace ActorKvm.Engine.Workload;

/// <summary>What a workload did: counted by the workload actor as activities finish.</summary>
public sealed class WorkloadStats
{
    /// <summary>Finished guest accesses.</summary>
    public long Accesses { get; set; }
    /// <summary>Handled faults (every handler result, including retries).</summary>
    public long Faults { get; set; }
    /// <summary>Faults by handler result.</summary>
    public Dictionary<FaultResult, long> ByResult { get; } = [];
    /// <summary>Accesses by how they ended.</summary>
    public Dictionary<string, long> ByExit { get; } = [];
    /// <summary>Host operations run (each one invalidation when it changed a present PTE).</summary>
    public long HostOps { get; set; }
    /// <summary>Memslot changes and dirty-log flips.</summary>
    public long MemslotOps { get; set; }
    /// <summary>Pages reported dirty by GET_DIRTY_LOG.</summary>
    public long DirtyPagesHarvested { get; set; }

    /// <summary>The VM's interleaving coverage (set by the workload that drives it).</summary>
    public Model.Vm.PhaseCoverage? Coverage { get; set; }

    /// <summary>Which model operations and branches the run reached (the VM oracle's counters).</summary>
    public Model.Oracle.Reachability? Reach { get; set; }

    /// <summary>Host operations that ended in an error, by errno (-EBUSY: a pinned page refused migration or a split).</summary>
    public Dictionary<string, long> HostOpErrors { get; } = [];

    /// <summary>Accesses that did not complete, by exit and cause (<see cref="OutcomeCauses"/>).</summary>
    public Dictionary<OutcomeCause, long> ExitCauses { get; } = [];

    /// <summary>Host operations that ended in an error, by operation, errno and cause (<see cref="OutcomeCauses"/>).</summary>
    public Dictionary<OutcomeCause, long> HostOpErrorCauses { get; } = [];

    /// <summary>Retries per fault.</summary>
    public double RetriesPerFault => Faults == 0 ? 0 : ByResult.GetValueOrDefault(FaultResult.Retry) / (double)Faults;
}
