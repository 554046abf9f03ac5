using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Vm;

namespace ActorKvm.Tests.Support;

/// <summary>Step-by-step drivers for activities and raw aborts (no sleeps: every interleaving is explicit).</summary>
public static class Drive
{
    /// <summary>Steps <paramref name="a"/> until it reports <paramref name="phase"/>; fails if it blocks or finishes first.</summary>
    public static StepResult Until(Activity a, string phase)
    {
        for (var i = 0; i < 1000; i++)
        {
            Assert.False(a.IsDone, $"activity finished before reaching '{phase}'");
            var r = a.Step();
            Assert.True(r.Status != StepStatus.Blocked, $"blocked on {r.Wait?.Reason} before reaching '{phase}'");
            if (r.Phase == phase) return r;
        }
        throw new InvalidOperationException($"never reached '{phase}'");
    }

    /// <summary>Runs <paramref name="a"/> to the end and asserts it did not block.</summary>
    public static void ToEnd(Activity a)
    {
        var r = a.RunToEnd();
        Assert.Equal(StepStatus.Done, r.Status);
    }

    /// <summary>Handles one raw abort (an ESR the hardware walk of <see cref="GuestAccess"/> would not build) to completion.</summary>
    public static KvmHandleGuestAbort Abort(TestVm vm, Esr esr, ulong gpa, int vcpu = 0)
    {
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[vcpu], vm.NextId());
        h.Begin(GuestAbort.At(new Ipa(gpa), esr));
        for (var i = 0; i < 100 && !h.Finished; i++)
        {
            var r = h.Step();
            Assert.True(r.Status != StepStatus.Blocked, $"abort blocked on {r.Wait?.Reason}");
        }
        Assert.True(h.Finished);
        vm.Kvm.Oracle.Check();
        return h;
    }

    /// <summary>A data abort syndrome.</summary>
    public static Esr Dabt(Fsc fsc, bool wnr = false, bool s1ptw = false, bool cm = false, bool isv = true) =>
        Esr.Make(Esr.EcDabtLow, fsc, wnr, s1ptw, cm, isv);

    /// <summary>An instruction abort syndrome.</summary>
    public static Esr Iabt(Fsc fsc, bool s1ptw = false) => Esr.Make(Esr.EcIabtLow, fsc, false, s1ptw);

    /// <summary>A level-3 translation fault code.</summary>
    public static Fsc Xlate => FscCodes.Translation(3);
}
