using System.CommandLine;
using ActorKvm.Engine.Workload;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary><c>run --protected</c> and <c>run --nested</c>: their checks against the other options, and the workload they make.</summary>
internal static class ProtectedNestedOptions
{
    /// <summary>
    /// Checks the two knobs and returns <paramref name="options"/> with them. A protected VM has no FEAT_NV (pKVM does not
    /// expose nested virtualization to protected guests), logs no dirty pages and does not move a slot once it ran
    /// (<see cref="ProtectedWorkload.Note"/>): asking for those explicitly is an error.
    /// </summary>
    public static WorkloadOptions Apply(ParseResult r, RunOptions o, WorkloadOptions options)
    {
        var isProtected = r.GetValue(o.Protected);
        var nested = r.GetValue(o.Nested);
        if (isProtected && nested)
            throw new CliUserError("--nested: a protected VM cannot run nested guests (pKVM does not expose FEAT_NV to protected VMs)");
        if (isProtected && r.GetResult(o.DirtyLog) is { Implicit: false } && r.GetValue(o.DirtyLog))
            throw new CliUserError("--dirty-log: a protected VM cannot log dirty pages (pKVM refuses KVM_MEM_LOG_DIRTY_PAGES on protected VMs)");
        if (isProtected && r.GetResult(o.MemslotChurn) is { Implicit: false } && r.GetValue(o.MemslotChurn))
            throw new CliUserError("--memslot-churn: a protected VM's slots cannot move once it has run (pKVM refuses KVM_MR_MOVE)");
        return options with { Protected = isProtected, Nested = nested };
    }
}
