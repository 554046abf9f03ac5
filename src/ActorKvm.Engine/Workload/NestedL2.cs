using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Nested;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// <c>run --nested</c>: the even-numbered vCPUs run an L2 guest behind an L1 stage 2, entered the way the
/// <c>nested-enter</c> step does (<see cref="NestedTransition"/>), so their accesses are L2 IPAs that
/// <c>kvm_walk_nested_s2</c> translates through L1's stage 2 into their shadow stage 2, while the odd vCPUs fault on
/// the canonical stage 2 and the host invalidates both (<c>kvm_nested_s2_unmap</c>). A fault L1 owns (an L2 IPA L1
/// does not map, or an access L1's permissions forbid) is injected into L1 (<c>kvm_inject_s2_fault</c>), which puts
/// the vCPU back in L1's virtual EL2; L1 then re-enters L2 before the vCPU's next access (its ERET). The gate sits
/// between the <see cref="WorkloadDriver"/> and the engine: it holds an access of a vCPU that is in L1 until the
/// re-entry finished (and makes it again then), so the driver's choices (and their seeded order) do not change.
/// </summary>
public sealed class NestedL2
{
    private readonly Kvm _kvm;
    private readonly Action<Activity> _issue;
    private readonly IReadOnlyList<L1S2Map> _l1;
    private readonly GuestAccess?[] _held;
    private int _nextId = -1_000_000; // ids apart from the driver's (which count up from 1000)

    /// <summary>Gates <paramref name="issue"/> for the L2 vCPUs of <paramref name="kvm"/>, whose L1 stage 2 covers <paramref name="slots"/>.</summary>
    public NestedL2(Kvm kvm, IReadOnlyList<WorkloadSlot> slots, WorkloadSlot? moving, Action<Activity> issue)
    {
        _kvm = kvm;
        _issue = issue;
        _l1 = L1Stage2(slots, moving);
        _held = new GuestAccess?[kvm.Vcpus.Length];
    }

    /// <summary>True when vCPU <paramref name="vcpu"/> runs L2 (the even ones: the odd ones stay in L1 for contrast).</summary>
    public static bool RunsL2(int vcpu) => vcpu % 2 == 0;

    /// <summary>L1's stage-2 leaves (every L2 vCPU enters the same one).</summary>
    public IReadOnlyList<L1S2Map> L1 => _l1;

    /// <summary>L2 entries (the first one per vCPU and each re-entry after an injection).</summary>
    public long Entries { get; private set; }

    /// <summary>Issues <paramref name="a"/>, first entering L2 when its vCPU should run L2 but is in L1.</summary>
    public void Issue(Activity a)
    {
        if (a is GuestAccess g && RunsL2(g.Vcpu.Index) && g.Vcpu.Nested is null)
        {
            _held[g.Vcpu.Index] = g;
            _issue(new NestedTransition(_kvm, _nextId--, g.Vcpu, _l1));
            return;
        }
        _issue(a);
    }

    /// <summary>
    /// An activity finished: a finished L2 entry releases the access it held (true: the driver does not hear of it);
    /// anything else is the driver's (false).
    /// </summary>
    public bool Finished(Activity a)
    {
        if (a is not NestedTransition t) return false;
        if (t.Result != Errno.Ok) throw new InvalidOperationException($"nested-enter of vcpu {t.Vcpu.Index} failed: {t.Result}");
        Entries++;
        var held = _held[t.Vcpu.Index] ?? throw new InvalidOperationException($"no access held for vcpu {t.Vcpu.Index}");
        _held[t.Vcpu.Index] = null;
        // The same access, made again now that the vCPU is in L2: an access takes the stage 2 the hardware walks (the
        // shadow while L2 runs) when it is made.
        _issue(new GuestAccess(_kvm, held.Id, held.Vcpu, held.Gpa, held.Kind, held.Value));
        return true;
    }

    /// <summary>
    /// L1's stage 2 over the slots' IPA ranges (and where the churned slot moves), in 2M windows: L2 and L1 IPAs of
    /// neighbouring windows swapped pairwise (so <c>fault_ipa</c> and <c>ipa</c> differ), with a fixed pattern of leaf
    /// shapes and permissions by window number — RW, RWX and R (writes are L1's permission faults) 2M blocks, RX
    /// blocks (writes forwarded), a window of 4K pages of which only the first 64 are mapped (the shadow leaf is
    /// capped at 4K; the rest are L1 translation faults), and an unmapped window. A 1G-aligned gigabyte wholly inside
    /// a slot is one RW 1G block (bounds L1's table for large guests). <paramref name="moving"/>, if any, is covered
    /// where it moves to as well.
    /// </summary>
    public static IReadOnlyList<L1S2Map> L1Stage2(IReadOnlyList<WorkloadSlot> slots, WorkloadSlot? moving)
    {
        var maps = new List<L1S2Map>();
        foreach (var s in slots) Cover(maps, s.Gpa, s.Size);
        if (moving is not null) Cover(maps, moving.Gpa + WorkloadVm.MoveOffset, moving.Size);
        return maps;
    }

    private static void Cover(List<L1S2Map> maps, ulong gpa, ulong size)
    {
        var end = (gpa + size + Sizes.PmdSize - 1) & ~(Sizes.PmdSize - 1);
        var a = gpa & ~(Sizes.PmdSize - 1);
        while (a < end)
        {
            if ((a & (Sizes.PudSize - 1)) == 0 && a + Sizes.PudSize <= gpa + size)
            {
                maps.Add(new L1S2Map(new Ipa(a), new Ipa(a), Sizes.PudSize, S2Prot.R | S2Prot.W));
                a += Sizes.PudSize;
                continue;
            }
            // Pairs of 2M windows inside the range swap places; a lone last window maps to itself.
            var window = a >> Sizes.PmdShift;
            var partner = window ^ 1;
            var p = partner << Sizes.PmdShift;
            var l1 = p >= (gpa & ~(Sizes.PmdSize - 1)) && p < end ? p : a;
            Window(maps, a, l1, window);
            a += Sizes.PmdSize;
        }
    }

    private static void Window(List<L1S2Map> maps, ulong l2, ulong l1, ulong window)
    {
        switch (window % 8)
        {
            case 2: maps.Add(new L1S2Map(new Ipa(l2), new Ipa(l1), Sizes.PmdSize, S2Prot.R)); break;
            case 3:
                for (ulong i = 0; i < 64; i++)
                    maps.Add(new L1S2Map(new Ipa(l2 + i * Sizes.PageSize), new Ipa(l1 + i * Sizes.PageSize), Sizes.PageSize, S2Prot.R | S2Prot.W));
                break;
            case 5: maps.Add(new L1S2Map(new Ipa(l2), new Ipa(l1), Sizes.PmdSize, S2Prot.R | S2Prot.X)); break;
            case 7: break; // not mapped by L1: L1's translation fault
            case 1: maps.Add(new L1S2Map(new Ipa(l2), new Ipa(l1), Sizes.PmdSize, S2Prot.RWX)); break;
            default: maps.Add(new L1S2Map(new Ipa(l2), new Ipa(l1), Sizes.PmdSize, S2Prot.R | S2Prot.W)); break;
        }
    }
}
