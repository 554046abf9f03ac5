using System.Text;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Seeding;
using Akka.Actor;
using Akka.Dispatch;

namespace ActorKvm.Engine.Exploration.Interleavings;

/// <summary>One choice point of the depth-first exploration: the actors that could run, and what was tried there.</summary>
internal sealed class ChoiceNode
{
    /// <summary>The runnable actors, oldest first.</summary>
    public required string[] Enabled { get; init; }

    /// <summary>The sleep set on arrival: deliveries already covered by an earlier branch, with their footprints.</summary>
    public required Dictionary<string, Footprint> Sleep { get; init; }

    /// <summary>Branches finished here, with the footprint each delivery had.</summary>
    public Dictionary<string, Footprint> Explored { get; } = [];

    /// <summary>The branch being explored.</summary>
    public string Chosen { get; set; } = "";

    /// <summary>The footprint of <see cref="Chosen"/>'s delivery, once it ran.</summary>
    public Footprint? ChosenFootprint { get; set; }

    /// <summary>The next untried branch that is not asleep, or null.</summary>
    public string? NextBranch() => Enabled.FirstOrDefault(k => !Sleep.ContainsKey(k) && !Explored.ContainsKey(k));
}

/// <summary>
/// Drives one run of a depth-first exploration with sleep sets (Godefroid): replays the path's choices, then at each new
/// choice point takes the first runnable actor that is not asleep, and observes every delivery's <see cref="Footprint"/>
/// to carry the sleep set on. When every runnable actor is asleep the run is redundant (an equivalent order was
/// already explored) and <see cref="Redundant"/> says so, so the runner can abandon it.
/// </summary>
internal sealed class ExplorationStrategy(List<ChoiceNode> path, bool reduce = true, bool eagerBookkeeping = true, SplitMix64? probe = null)
    : ISchedulingStrategy, IDeliveryObserver
{
    /// <summary>A random probe's product of branching factors (Knuth's estimator of the tree's leaves).</summary>
    public double Product { get; private set; } = 1;

    private readonly Dictionary<IRunnable, string> _keys = new(ReferenceEqualityComparer.Instance);
    private Dictionary<string, Footprint> _sleep = [];
    private int _depth;
    private string? _actor;
    private ModelAccess _model;
    private HashSet<string> _sends = [];
    private ChoiceNode? _node;

    /// <summary>True once every runnable actor was asleep at a new choice point.</summary>
    public bool Redundant { get; private set; }

    /// <summary>True when a replayed choice was not runnable (the run is not deterministic: a bug of the harness).</summary>
    public bool Diverged { get; private set; }

    /// <summary>Choice points passed (replayed or new).</summary>
    public int Depth => _depth;

    /// <inheritdoc/>
    public int Choose(IReadOnlyList<IRunnable> runnable)
    {
        EndDelivery();
        // Bookkeeping first: a delivery that runs no model phase goes at once, oldest first (not a choice point).
        for (var i = 0; eagerBookkeeping && i < runnable.Count; i++)
        {
            if (RunsAPhase(runnable[i])) continue;
            BeginDelivery(KeyOf(runnable[i]), null);
            return i;
        }
        var keys = new string[runnable.Count];
        for (var i = 0; i < keys.Length; i++) keys[i] = KeyOf(runnable[i]);
        ChoiceNode node;
        if (_depth < path.Count)
        {
            node = path[_depth];
            _sleep = node.Sleep;
        }
        else
        {
            node = new ChoiceNode { Enabled = keys, Sleep = reduce ? new Dictionary<string, Footprint>(_sleep) : [] };
            if (probe is not null)
            {
                // A probe walks one random branch and remembers how many there were; it keeps no path.
                var open = keys.Where(k => !node.Sleep.ContainsKey(k)).ToArray();
                if (open.Length == 0)
                {
                    Redundant = true;
                    BeginDelivery(keys[0], null);
                    return 0;
                }
                Product *= open.Length;
                var pick = open[probe.Below(open.Length)];
                BeginDelivery(pick, null);
                _depth++;
                return Array.IndexOf(keys, pick);
            }
            if (Redundant || node.NextBranch() is not { } branch)
            {
                Redundant = true;
                BeginDelivery(keys[0], null);
                return 0;
            }
            node.Chosen = branch;
            path.Add(node);
        }
        _depth++;
        var index = Array.IndexOf(keys, node.Chosen);
        if (index < 0)
        {
            Diverged = true;
            index = 0;
        }
        BeginDelivery(keys[index], node);
        return index;
    }

    /// <inheritdoc/>
    public void Forced(IRunnable run)
    {
        EndDelivery();
        BeginDelivery(KeyOf(run), null);
    }

    /// <inheritdoc/>
    public void Sent(IActorRef receiver)
    {
        if (_actor is not null) _sends.Add(KeyOf(receiver));
    }

    /// <inheritdoc/>
    public void Touched(ModelAccess access)
    {
        if (_actor is not null && access > _model) _model = access;
    }

    /// <summary>Closes the last delivery (everything observed since it began counts as its own: conservative).</summary>
    public void EndDelivery()
    {
        if (_actor is null) return;
        var f = new Footprint(_actor, _model, _sends);
        if (_node is not null)
        {
            _node.ChosenFootprint = f;
            if (!reduce)
            {
                _actor = null;
                return;
            }
            var next = new Dictionary<string, Footprint>();
            foreach (var (k, t) in _node.Sleep) if (Footprint.Independent(t, f)) next[k] = t;
            foreach (var (k, t) in _node.Explored) if (Footprint.Independent(t, f)) next[k] = t;
            _sleep = next;
        }
        else if (_sleep.Count > 0)
        {
            var next = new Dictionary<string, Footprint>();
            foreach (var (k, t) in _sleep) if (Footprint.Independent(t, f)) next[k] = t;
            _sleep = next;
        }
        _actor = null;
    }

    private void BeginDelivery(string actor, ChoiceNode? node)
    {
        _actor = actor;
        _model = ModelAccess.None;
        _sends = [];
        _node = node;
    }

    /// <summary>True when the mailbox's next delivery runs a model phase (a visible step); everything else is bookkeeping.</summary>
    private static bool RunsAPhase(IRunnable run) => OwnedMessageQueue.QueueOf(run)?.Head is PhaseContinued or StepRequested;

    private string KeyOf(IRunnable run)
    {
        if (_keys.TryGetValue(run, out var k)) return k;
        k = OwnedMessageQueue.OwnerOf(run) is { } owner ? KeyOf(owner) : "?";
        _keys[run] = k;
        return k;
    }

    /// <summary>
    /// A stable name for an actor across runs: its path below the deterministic root, with the per-system counter of
    /// the top-level name dropped (<c>vm-12/vcpu-0</c> → <c>vm/vcpu-0</c>).
    /// </summary>
    internal static string KeyOf(IActorRef actor)
    {
        var elements = actor.Path.Elements;
        var sb = new StringBuilder();
        var start = elements.Count >= 2 && elements[0] == "user" ? 2 : 0;
        for (var i = start; i < elements.Count; i++)
        {
            var e = elements[i];
            if (i == start && e.LastIndexOf('-') is > 0 and var dash && e.AsSpan(dash + 1).IndexOfAnyExceptInRange('0', '9') < 0) e = e[..dash];
            if (sb.Length > 0) sb.Append('/');
            sb.Append(e);
        }
        return sb.ToString();
    }
}
