using System.Diagnostics.Tracing;

namespace ActorKvm.Bench.PureFaultPath;

/// <summary>
/// An in-process allocation-tick trace: the runtime's <c>GCAllocationTick</c> event fires about every 100 KB
/// allocated and names the type of the object that crossed the mark, so counting ticks by type while a loop runs
/// shows which types its allocated bytes are made of (a statistical profile, the same events an EventPipe
/// <c>gc-verbose</c> trace records). The listener's own event payloads show up too (on its dispatch thread).
/// </summary>
public sealed class AllocationTicks : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly Dictionary<string, long> _byType = [];
    private volatile bool _recording;

    /// <summary>Starts or stops counting ticks.</summary>
    public bool Recording { get => _recording; set => _recording = value; }

    /// <summary>Ticks counted by type name, most first.</summary>
    public IReadOnlyList<(string Type, long Ticks)> ByType()
    {
        lock (_byType) return _byType.OrderByDescending(kv => kv.Value).Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>Forgets the ticks.</summary>
    public void Clear()
    {
        lock (_byType) _byType.Clear();
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!_recording || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.PayloadNames is null) return;
        var i = e.PayloadNames.IndexOf("TypeName");
        var type = i >= 0 && e.Payload?[i] is string t ? t : "?";
        lock (_byType) _byType[type] = _byType.GetValueOrDefault(type) + 1;
    }
}
