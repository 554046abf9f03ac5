using System.Runtime.ExceptionServices;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Vm;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace ActorKvm.Engine.Baselines;

/// <summary>
/// What the hand-written baselines share (<see cref="LockBasedEngine"/>, <see cref="ChannelsEngine"/>): the model gate,
/// the workload driver under its lock, and a run's shape — start the workers and the driver, stop the driver when the
/// duration is up, let what is in flight finish, re-throw the first worker error, take the final check. What differs is
/// only how work reaches a worker (<see cref="Issue"/>) and how the workers are told to finish.
/// </summary>
public abstract class BaselineEngine
{
    private readonly ManualResetEventSlim _done = new();
    private Exception? _error;

    /// <summary>Builds the gate and the driver for <paramref name="options"/> on <paramref name="kvm"/>.</summary>
    protected BaselineEngine(WorkloadOptions options, Kvm kvm, FaultLatencyRecorder? latency)
    {
        Gate = new BaselineGate(kvm);
        Latency = latency ?? FaultLatencyRecorder.WallClock(options.Vcpus);
        Driver = new WorkloadDriver(options, kvm, Issue, latency: Latency);
    }

    /// <summary>The model gate.</summary>
    protected BaselineGate Gate { get; }

    /// <summary>The workload; called only under <see cref="DriverLock"/>.</summary>
    protected WorkloadDriver Driver { get; }

    /// <summary>Guards <see cref="Driver"/> (and what an engine keeps beside it).</summary>
    protected object DriverLock { get; } = new();

    /// <summary>Where faulting accesses are timed.</summary>
    protected FaultLatencyRecorder Latency { get; }

    /// <summary>
    /// Runs the workload until its fault budget is spent or <paramref name="duration"/> elapses (then what is in flight
    /// finishes): <paramref name="startWorkers"/> before the driver starts, <paramref name="joinWorkers"/> after the end.
    /// </summary>
    protected StressResult Run(TimeSpan duration, Action startWorkers, Action joinWorkers)
    {
        var sw = Stopwatch.StartNew();
        startWorkers();
        lock (DriverLock)
        {
            Driver.Start();
            CheckFinished();
        }
        if (!_done.Wait(duration))
        {
            lock (DriverLock)
            {
                Driver.Stop();
                CheckFinished();
            }
            _done.Wait();
        }
        sw.Stop();
        if (_error is not null) ExceptionDispatchInfo.Capture(_error).Throw();
        joinWorkers();
        Gate.Dispose();
        return Gate.Result(Driver.Stats, sw.Elapsed, Latency);
    }

    /// <summary>The driver's issue callback (called under <see cref="DriverLock"/>): hands work to its <c>Owner</c>'s worker.</summary>
    protected abstract void Issue(Activity activity);

    /// <summary>Tells every worker to finish once its inbox is empty (<paramref name="error"/>: at once, a worker failed).</summary>
    protected abstract void CompleteWorkers(Exception? error);

    /// <summary>An activity finished: the workload hears of it (and may issue more, or be done).</summary>
    protected void Finished(Activity activity)
    {
        lock (DriverLock)
        {
            Driver.Finished(activity);
            CheckFinished();
        }
    }

    /// <summary>A worker failed: the run ends and <see cref="Run"/> re-throws the first error.</summary>
    protected void Fail(Exception e)
    {
        Interlocked.CompareExchange(ref _error, e, null);
        CompleteWorkers(e);
        _done.Set();
    }

    private void CheckFinished()
    {
        if (!Driver.IsFinished) return;
        CompleteWorkers(null);
        _done.Set();
    }
}
