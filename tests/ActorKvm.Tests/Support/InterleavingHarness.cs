using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using Akka.Actor;
using Akka.TestKit;

namespace ActorKvm.Tests.Support;

/// <summary>
/// A VM actor under a TestKit's <c>Sys</c>, with a probe that is the gate: every phase of every activity runs
/// because the probe asked for it (<see cref="StepRequested"/>) and the probe saw it end
/// (<see cref="StepCompleted"/>). "Pause after phase X" is just "stop asking". No sleeps anywhere.
/// </summary>
/// <remarks>
/// Between two gated steps no actor writes the model (a blocked step changes nothing and the lock actor only reads),
/// so a test may read model state directly after a reply; while a self-driven activity runs, use <see cref="Read{T}"/>.
/// </remarks>
public sealed class InterleavingHarness
{
    /// <summary>How long a single gated step may take before the test fails (a hung actor, not a pacing device).</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    /// <summary>An HVA no VMA covers: reading it is a no-op on the model (used by <see cref="NotifierBarrier"/>).</summary>
    private static readonly Hva UnmappedHva = new(0x1000);

    /// <summary>Creates the VM actor for <paramref name="vm"/> (already set up on the model) under <paramref name="kit"/>'s system.</summary>
    public InterleavingHarness(TestKitBase kit, TestVm vm)
    {
        Vm = vm;
        VmActor = kit.Sys.ActorOf(ActorKvm.Engine.Actors.VmActor.Props(vm.Kvm), "vm");
        Gate = kit.CreateTestProbe("gate");
    }

    /// <summary>The model builder (ids, activity factories).</summary>
    public TestVm Vm { get; }
    /// <summary>The VM.</summary>
    public Kvm Kvm => Vm.Kvm;
    /// <summary>The VM actor: it routes each activity to its vCPU, the notifier or the memslot manager.</summary>
    public IActorRef VmActor { get; }
    /// <summary>The probe that gates every step.</summary>
    public TestProbe Gate { get; }

    /// <summary>Runs exactly one phase of <paramref name="a"/> on its owning actor and returns where it stopped.</summary>
    public StepResult Step(Activity a)
    {
        Gate.Send(VmActor, new StepRequested(a));
        var done = Gate.ExpectMsg<StepCompleted>(StepTimeout);
        Assert.Equal(a.Id, done.ActivityId);
        return done.Result;
    }

    /// <summary>Steps <paramref name="a"/> phase by phase until it reports <paramref name="phase"/>; fails if it blocks or finishes first.</summary>
    public StepResult StepUntil(Activity a, string phase)
    {
        for (var i = 0; i < 1000; i++)
        {
            Assert.False(a.IsDone, $"#{a.Id} finished before reaching '{phase}'");
            var r = Step(a);
            Assert.True(r.Status != StepStatus.Blocked, $"#{a.Id} blocked on {r.Wait?.Reason} before reaching '{phase}'");
            if (r.Phase == phase) return r;
        }
        throw new InvalidOperationException($"#{a.Id} never reached '{phase}'");
    }

    /// <summary>Steps <paramref name="a"/> to its end; fails if it blocks on the way.</summary>
    public StepResult StepToEnd(Activity a)
    {
        for (var i = 0; i < 1000; i++)
        {
            var r = Step(a);
            Assert.True(r.Status != StepStatus.Blocked, $"#{a.Id} blocked on {r.Wait?.Reason}");
            if (r.Status == StepStatus.Done) return r;
        }
        throw new InvalidOperationException($"#{a.Id} never finished");
    }

    /// <summary>Steps <paramref name="a"/> once and asserts it could not go on: it waits, for <paramref name="reason"/>, on <paramref name="on"/>.</summary>
    public Wait StepBlocked(Activity a, string reason, Activity on)
    {
        var r = Step(a);
        Assert.Equal(StepStatus.Blocked, r.Status);
        var w = Assert.IsType<Wait>(r.Wait);
        Assert.StartsWith(reason, w.Reason);
        Assert.Contains(on.Id, w.On);
        return w;
    }

    /// <summary>Asks the owner of <paramref name="a"/> to run it self-driven; <paramref name="replyTo"/> hears <see cref="ActivityFinished"/>.</summary>
    public void Run(Activity a, TestProbe replyTo) => VmActor.Tell(new RunRequested(a, replyTo.Ref));

    /// <summary>
    /// Returns once every message the MMU-notifier actor had queued for itself has been handled: two gated no-op steps
    /// (host reads of an unmapped HVA) on it, the second sent after the first replied, so anything it told itself
    /// before the first reply (a self-driven activity's next <see cref="PhaseContinued"/>) ran before the second.
    /// </summary>
    public void NotifierBarrier()
    {
        for (var i = 0; i < 2; i++) StepToEnd(new HostAccess(Kvm, Vm.NextId(), UnmappedHva, write: false, 0));
    }

    /// <summary>Reads model state inside the VM gate's lock (needed while a self-driven activity may be running).</summary>
    public T Read<T>(Func<Kvm, T> read)
    {
        lock (Kvm) return read(Kvm);
    }

    // --- activities, created with unique ids; none runs until stepped ----------------------------------------

    /// <summary>A guest access on <paramref name="vcpu"/>.</summary>
    public GuestAccess Access(ulong gpa, AccessKind kind, ulong value = 0, int vcpu = 0) => Vm.Start(gpa, kind, value, vcpu);

    /// <summary>A host-MM operation wrapped in the notifier protocol.</summary>
    public HostOperation HostOp(HostOp op, ulong hva, ulong size = Sizes.PageSize) => Vm.HostOp(op, hva, size);

    /// <summary>The VMM writing <paramref name="value"/> at <paramref name="hva"/>, stepped to its end.</summary>
    public HostAccess HostWrite(ulong hva, ulong value)
    {
        var h = new HostAccess(Kvm, Vm.NextId(), new Hva(hva), write: true, value);
        StepToEnd(h);
        Assert.Equal(Errno.Ok, h.Result);
        return h;
    }

    /// <summary>The VMM reading <paramref name="hva"/>, stepped to its end (the oracle checks it against the last write).</summary>
    public ulong HostRead(ulong hva)
    {
        var h = new HostAccess(Kvm, Vm.NextId(), new Hva(hva), write: false, 0);
        StepToEnd(h);
        return h.Value;
    }

    /// <summary>A guest access stepped to its end.</summary>
    public GuestAccess AccessToEnd(ulong gpa, AccessKind kind, ulong value = 0, int vcpu = 0)
    {
        var a = Access(gpa, kind, value, vcpu);
        StepToEnd(a);
        return a;
    }

    /// <summary><c>KVM_SET_USER_MEMORY_REGION</c> deleting slot <paramref name="id"/> (size 0).</summary>
    public MemslotUpdate DeleteSlot(int id)
    {
        var s = Kvm.Memslots.ById(id)!;
        return new MemslotUpdate(Kvm, Vm.NextId(), new MemslotRequest(id, s.Gpa, 0, s.UserspaceAddr, s.Flags));
    }

    /// <summary><c>KVM_SET_USER_MEMORY_REGION</c> changing only the flags of slot <paramref name="id"/>.</summary>
    public MemslotUpdate SetFlags(int id, MemslotFlags flags) => Vm.SetFlags(id, flags);

    /// <summary><c>KVM_GET_DIRTY_LOG</c> for slot <paramref name="id"/>, stepped to its end.</summary>
    public DirtyLogIoctl GetDirtyLog(int id)
    {
        var d = new DirtyLogIoctl(Kvm, Vm.NextId(), id, clear: false);
        StepToEnd(d);
        return d;
    }

    // --- observations ---------------------------------------------------------------------------------------

    /// <summary>The pfn the host page table maps at <paramref name="hva"/>, or null.</summary>
    public Pfn? HostPfn(ulong hva) => Kvm.Mm.PageTable.TryGet(new Hva(hva), out var pte) ? pte.PfnAt(new Hva(hva)) : null;

    /// <summary>Runs the oracle's full check and asserts the model ended clean: no violation, every fault reference released.</summary>
    public void AssertCleanAndBalanced()
    {
        Read(k =>
        {
            k.Oracle.CheckAll();
            return 0;
        });
        Assert.Empty(Vm.Violations);
        Assert.Equal(0, Kvm.OutstandingFaultRefs);
    }
}
