using ActorKvm.Engine;
using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Baselines;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;
using Akka.Actor;

namespace ActorKvm.Tests.Scheduling;

/// <summary>
/// Every wait kind of the <see cref="ActivityScheduler"/> on every engine: a holder is stepped to where it holds what the
/// waiter needs (mmu_lock, an invalidation in progress, <c>mn_active_invalidate_count</c>, an SRCU read section,
/// PG_mte_lock), the waiter is handed to the engine and must be seen waiting for exactly that, then the holder is handed
/// over too, and both must finish clean — so the engine woke the waiter. Engines: the actors (self-driven
/// <see cref="RunRequested"/>), the lock-based baseline (<see cref="BaselineGate.RunToDone"/> on a thread, progress waits
/// block the thread) and the channels baseline (<see cref="BaselineGate.Advance"/> with progress waits parked,
/// <see cref="ActivityScheduler.Park"/>). The order is forced by the scheduler's own state, not by time.
/// </summary>
public class EveryWaitKindOnEveryEngineTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public EveryWaitKindOnEveryEngineTests() : base(EngineConfig.Load()) { }

    /// <summary>The engines under test.</summary>
    public enum EngineKind { Actors, LockBased, Channels }

    /// <summary>A VM, the activity that holds, the phase it holds at, the waiter and the phase the waiter reaches first (if any).</summary>
    private sealed record Situation(TestVm Vm, Activity Holder, string HoldAt, Activity Waiter, string? WaiterFirst = null);

    private static Situation Build(WaitFor kind)
    {
        switch (kind)
        {
            case WaitFor.MmuLock:
                {
                    // A fault holds mmu_lock for read (kvm_fault_lock); the notifier's range-start wants it for write.
                    var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
                    return new(vm, vm.Start(Gpa, AccessKind.Write, 1), PhaseNames.Fault[(int)FaultPhase.MmuLock], vm.HostOp(HostOp.MadviseDontneed, Hva));
                }
            case WaitFor.Invalidation:
                {
                    // A fault took its mmu_seq snapshot, then an invalidation started: it retries and waits for the range-end.
                    var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
                    var fault = vm.Start(Gpa, AccessKind.Write, 1);
                    return new(vm, vm.HostOp(HostOp.MadviseDontneed, Hva), "range-start", fault, PhaseNames.Fault[(int)FaultPhase.ProtComputed]);
                }
            case WaitFor.ActiveInvalidations:
                {
                    // kvm_swap_active_memslots waits for mn_active_invalidate_count == 0.
                    var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
                    return new(vm, vm.HostOp(HostOp.MadviseDontneed, Hva), "range-start", vm.SetFlags(0, MemslotFlags.LogDirtyPages));
                }
            case WaitFor.Srcu:
                {
                    // A fault looked up the old memslots under SRCU; deleting the slot waits in synchronize_srcu.
                    var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
                    var delete = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(Gpa), 0, new Hva(Hva), MemslotFlags.None));
                    return new(vm, vm.Start(Gpa, AccessKind.Write, 1), PhaseNames.Fault[(int)FaultPhase.MemslotLookup], delete);
                }
            default:
                {
                    // The VMM's PROT_MTE alias claimed the shmem page; a read fault waits in sanitise_mte_tags holding mmu_lock.
                    var vm = TestVm.WithSlot(BackingKind.Shmem, 16 * Sizes.PageSize, new KvmConfig(Vcpus: 2, Mte: true));
                    var alias = new MteSyncTags(vm.Kvm, vm.NextId(), new Hva(Hva));
                    return new(vm, alias, PhaseNames.MteSync[0], vm.Start(Gpa, AccessKind.Read));
                }
        }
    }

    public static TheoryData<WaitFor, EngineKind> Cases()
    {
        var data = new TheoryData<WaitFor, EngineKind>();
        foreach (var kind in Enum.GetValues<WaitFor>())
            foreach (var engine in Enum.GetValues<EngineKind>()) data.Add(kind, engine);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task WaiterHandedToTheEngineFirst_WaitsForItsKind_AndFinishesOnceTheHolderRuns(WaitFor kind, EngineKind engine)
    {
        var s = Build(kind);
        var kvm = s.Vm.Kvm;
        if (engine == EngineKind.Actors) RunOnActors(s, kind);
        else await RunOnBaseline(s, kind, channels: engine == EngineKind.Channels);

        Assert.True(s.Holder.IsDone && s.Waiter.IsDone);
        kvm.Oracle.CheckAll();
        Assert.Empty(s.Vm.Violations);
    }

    [Fact]
    public void PauseGateOnTheActors_HoldsTheActivityAfterItsPhase_UntilResumed()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var scheduler = new ActivityScheduler(vm.Kvm);
        var actor = Sys.ActorOf(VmActor.Props(scheduler));
        var fault = vm.Start(Gpa, AccessKind.Write, 1);
        var at = PhaseNames.Fault[(int)FaultPhase.VmaSnapshot];
        actor.Tell(new RunRequested(fault, TestActor, at));
        Assert.Equal(at, ExpectMsg<ActivityPaused>(Timeout).Phase);
        lock (vm.Kvm)
        {
            Assert.True(scheduler.IsPaused(fault.Id));
            Assert.False(scheduler.MayRun(fault.Id));
        }
        Assert.False(fault.IsDone);
        actor.Tell(new ResumeRequested(fault));
        Assert.Same(fault, ExpectMsg<ActivityFinished>(Timeout).Activity);
        Assert.True(fault.IsDone);
    }

    private void RunOnActors(Situation s, WaitFor kind)
    {
        var scheduler = new ActivityScheduler(s.Vm.Kvm);
        var vm = Sys.ActorOf(VmActor.Props(scheduler));
        if (s.WaiterFirst is { } first) StepUntil(a => scheduler.Step(a).Result, s.Waiter, first);
        StepUntil(a => scheduler.Step(a).Result, s.Holder, s.HoldAt);

        vm.Tell(new RunRequested(s.Waiter, TestActor));
        AwaitWaiting(s, kind, scheduler, null);
        vm.Tell(new RunRequested(s.Holder, TestActor));
        var finished = new[] { ExpectMsg<ActivityFinished>(Timeout).Activity, ExpectMsg<ActivityFinished>(Timeout).Activity };
        Assert.Contains(s.Waiter, finished);
        Assert.Contains(s.Holder, finished);
    }

    private async Task RunOnBaseline(Situation s, WaitFor kind, bool channels)
    {
        using var gate = new BaselineGate(s.Vm.Kvm);
        // The holder runs on this thread (the RWLS is owned per thread), keeping what it holds across the hand-over.
        var held = LockMode.None;
        string? last = null;
        StepResult HolderStep(Activity a)
        {
            var r = gate.Advance(a, BaselineGate.Wanted(a, last), ref held).Result;
            last = r.Phase;
            return r;
        }
        if (s.WaiterFirst is { } first)
        {
            var none = LockMode.None;
            StepUntil(a => gate.Advance(a, LockMode.None, ref none).Result, s.Waiter, first);
        }
        StepUntil(HolderStep, s.Holder, s.HoldAt);

        var done = new TaskCompletionSource();
        if (channels) _ = Task.Run(() => Service(gate, s.Waiter, done));
        else _ = Task.Run(() => Guard(() => { gate.RunToDone(s.Waiter); done.SetResult(); }, done));
        AwaitWaiting(s, kind, gate.Scheduler, gate);
        while (!s.Holder.IsDone) Assert.NotEqual(StepStatus.Blocked, HolderStep(s.Holder).Status);
        await done.Task.WaitAsync(Timeout);
        Assert.Equal(0, gate.MmuLock.CurrentReadCount);
    }

    /// <summary>The channels engine's service stage: advance until the activity waits, then park it; the scheduler resumes it.</summary>
    private static void Service(BaselineGate gate, Activity activity, TaskCompletionSource done) => Guard(() =>
    {
        var held = LockMode.None;
        string? last = null;
        while (true)
        {
            var o = gate.Advance(activity, BaselineGate.Wanted(activity, last), ref held);
            if (o.Result.Status == StepStatus.Done) break;
            if (o.Result.Status == StepStatus.Blocked)
            {
                gate.Scheduler.Park(activity, o.Epoch, a => Task.Run(() => Service(gate, a, done)));
                return;
            }
            last = o.Result.Phase;
        }
        done.SetResult();
    }, done);

    private static void Guard(Action body, TaskCompletionSource done)
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            done.TrySetException(e);
        }
    }

    /// <summary>
    /// Until the engine shows the waiter waiting for <paramref name="kind"/>: the scheduler's record of its wait, or — for
    /// mmu_lock on a baseline, where the RWLS is the queue — a writer blocked on the RWLS.
    /// </summary>
    private static void AwaitWaiting(Situation s, WaitFor kind, ActivityScheduler scheduler, BaselineGate? gate)
    {
        bool Waiting()
        {
            if (gate is not null && kind == WaitFor.MmuLock) return gate.MmuLock.WaitingWriteCount > 0;
            lock (s.Vm.Kvm) return scheduler.WaitOf(s.Waiter.Id)?.For == kind;
        }
        Assert.True(SpinWait.SpinUntil(() => Waiting() || s.Waiter.IsDone, Timeout), $"the waiter never waited for {kind}");
        Assert.False(s.Waiter.IsDone, $"the waiter finished without waiting for {kind}");
    }

    private static void StepUntil(Func<Activity, StepResult> step, Activity a, string phase)
    {
        for (var i = 0; i < 100; i++)
        {
            var r = step(a);
            Assert.True(r.Status == StepStatus.Progressed, $"#{a.Id} {r.Status} ({r.Wait?.Reason}) before '{phase}'");
            if (r.Phase == phase) return;
        }
        throw new InvalidOperationException($"#{a.Id} never reached '{phase}'");
    }
}
