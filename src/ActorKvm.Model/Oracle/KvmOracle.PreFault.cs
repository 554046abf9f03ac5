using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rule <c>prefault-result-mismatch</c>: what <c>KVM_PRE_FAULT_MEMORY</c> returns, restated from
/// <c>kvm_vcpu_pre_fault_memory</c> (virt/kvm/kvm_main.c) and arm64's <c>kvm_arch_vcpu_pre_fault_memory</c> over the
/// request and the VM, independently of the model's loop.
/// </summary>
public sealed partial class KvmOracle
{
    /// <summary>A leaf lost its access flag (aging): pages of a pre-fault in flight there may legitimately end old.</summary>
    private void PreFaultLeafAged(in S2Leaf leaf)
    {
        foreach (var w in _preFaults.Values) w.Aged.Add((leaf.Ipa.Value, leaf.Ipa.Value + leaf.Size));
    }

    /// <summary>
    /// Rule <c>prefault-range-unmapped</c>, the access flag: every leaf the ioctl advanced over was installed by its fault
    /// (with the access flag, as every stage-2 map) or found valid and made young (<c>kvm_arch_vcpu_pre_fault_memory</c>:
    /// an existing mapping is not replayed, only its access flag set), so at return none is old unless aging cleared it since.
    /// </summary>
    private void CheckPreFaultYoung(PreFaultMemory pf, PreFaultWatch w)
    {
        for (var a = pf.Gpa.Value; a < pf.NextGpa.Value; a += Sizes.PageSize)
        {
            var walk = _kvm.Pgt.GetLeaf(new Ipa(a));
            if (!walk.Valid || walk.Leaf.Young || InAny(w.Aged, a)) continue;
            Report(ViolationKind.PrefaultRangeUnmapped, $"KVM_PRE_FAULT_MEMORY #{pf.Id} processed {new Ipa(a)} but left its leaf {Describe(walk.Leaf)} old", a, 13);
            return;
        }
    }

    /// <summary>A synthetic fault of pre-fault <paramref name="holder"/> (if it is one) ended: its return decides the loop's next move.</summary>
    private void PreFaultFaultEnded(int holder, KvmHandleGuestAbort h)
    {
        if (_preFaults.TryGetValue(holder, out var w)) w.FaultEnded = (h.State.Ret, h.Abort.FaultIpa.Value);
    }

    /// <summary>
    /// After each step of <paramref name="pf"/>: a synthetic fault that ended with an error other than <c>-EAGAIN</c> ends
    /// the ioctl with that error where it stood (<c>if (r &lt; 0) break;</c>); one that succeeded (or retried) advances
    /// past its page. When the ioctl returns: an unaligned <c>gpa</c> or <c>size</c>, an empty or wrapping range is
    /// <c>-EINVAL</c> before anything is done; otherwise the range advanced over is what <c>range.size</c> lost, the loop
    /// stopped early only for a reason the VM gives at the address it stopped at (a protected VM: <c>-EOPNOTSUPP</c>; beyond
    /// the IPA space or no memslot: <c>-ENOENT</c>; a slot being deleted or moved: <c>-EAGAIN</c>; a pending signal after
    /// many leaves: <c>-EINTR</c>; the fault's own error), and it returns 0 once a page was processed
    /// (<c>full_size == range-&gt;size ? r : 0</c>).
    /// </summary>
    private void CheckPreFaultStep(PreFaultMemory pf, PreFaultWatch w, bool done)
    {
        var fromFault = false;
        if (w.FaultEnded is { } f)
        {
            w.FaultEnded = null;
            if (f.Ret is Errno.Ok or Errno.EAGAIN)
            {
                if (pf.NextGpa.Value <= f.Gpa)
                    Mismatch(pf, $"its fault at {new Ipa(f.Gpa)} returned {f.Ret.ToScenarioName()} but the range did not advance past it");
            }
            else if (!done || pf.StoppedBy != f.Ret || pf.NextGpa.Value != f.Gpa)
            {
                Mismatch(pf, $"its fault at {new Ipa(f.Gpa)} returned {f.Ret.ToScenarioName()} but the ioctl {(done ? $"stopped with {pf.StoppedBy.ToScenarioName()} at {pf.NextGpa}" : "went on")}");
                return;
            }
            fromFault = true;
        }
        if (!done) return;
        CheckPreFaultYoung(pf, w);

        var gpa = pf.Gpa.Value;
        var size = pf.Size;
        var invalid = (gpa & (Sizes.PageSize - 1)) != 0 || (size & (Sizes.PageSize - 1)) != 0 || size == 0 || gpa > ulong.MaxValue - size;
        if (invalid)
        {
            if (pf.Result != Errno.EINVAL || pf.Remaining != size || pf.NextGpa.Value != gpa || pf.Aborts.Count != 0)
                Mismatch(pf, $"an unaligned, empty or wrapping range must be einval with nothing done, got {pf.Result.ToScenarioName()} after {Sizes.Format(size - pf.Remaining)}");
            return;
        }
        var advanced = pf.NextGpa.Value - gpa;
        if (pf.Remaining > size || advanced != size - pf.Remaining || pf.Processed != advanced)
        {
            Mismatch(pf, $"advanced {Sizes.Format(advanced)} but range.size went from {Sizes.Format(size)} to {Sizes.Format(pf.Remaining)}");
            return;
        }
        if ((pf.StoppedBy == Errno.Ok) != (pf.Remaining == 0))
        {
            Mismatch(pf, $"stopped with {pf.StoppedBy.ToScenarioName()} with {Sizes.Format(pf.Remaining)} left");
            return;
        }
        var want = advanced == 0 ? pf.StoppedBy : Errno.Ok;
        if (pf.Result != want)
        {
            Mismatch(pf, $"returned {pf.Result.ToScenarioName()} after {Sizes.Format(advanced)} (stopped by {pf.StoppedBy.ToScenarioName()}): want {want.ToScenarioName()}");
            return;
        }
        if (pf.StoppedBy == Errno.Ok || fromFault) return;
        var why = PreFaultStopCause(pf, w.Leaves);
        if (why != pf.StoppedBy)
            Mismatch(pf, $"stopped at {pf.NextGpa} with {pf.StoppedBy.ToScenarioName()}, where the VM gives {(why is { } cause ? cause.ToScenarioName() : "no reason to stop")}");
    }

    /// <summary>Why <c>kvm_arch_vcpu_pre_fault_memory</c> refuses the next address, or null when it would fault it in.</summary>
    private Errno? PreFaultStopCause(PreFaultMemory pf, int leaves)
    {
        // signal_pending comes first in the loop; the model's stand-in is a signal after PreFaultMemory.MaxLeavesPerCall calls.
        if (leaves >= PreFaultMemory.MaxLeavesPerCall) return Errno.EINTR;
        if (_kvm.Config.Protected) return Errno.EOPNOTSUPP;
        var next = pf.NextGpa.Value;
        if (next >= _kvm.Config.PhysSize) return Errno.ENOENT;
        var slot = _kvm.Memslots.Find(Gfn.Of(pf.NextGpa));
        if (slot is null) return Errno.ENOENT;
        return slot.Invalid ? Errno.EAGAIN : null;
    }

    private void Mismatch(PreFaultMemory pf, string what) =>
        Report(ViolationKind.PrefaultResultMismatch, $"KVM_PRE_FAULT_MEMORY #{pf.Id} of {pf.Gpa}+{Sizes.Format(pf.Size)}: {what}", pf.Gpa.Value, pf.Size);
}
