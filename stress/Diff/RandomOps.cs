using System.Globalization;
using System.Text;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using CsCheck;

namespace ActorKvm.Stress.Diff;

/// <summary>One memslot of a generated layout.</summary>
/// <param name="Backing">What backs its VMA.</param>
/// <param name="Size">Bytes (2M..8M, a 2M multiple so hugetlb-2M VMAs are valid).</param>
/// <param name="GpaOffset">0, or 4K to make IPA and HVA non-congruent (blocks refused).</param>
/// <param name="Logging">Created with KVM_MEM_LOG_DIRTY_PAGES.</param>
/// <param name="Shared">MAP_SHARED (file and hugetlb; shmem is always shared).</param>
public sealed record SlotSpec(BackingKind Backing, ulong Size, ulong GpaOffset, bool Logging, bool Shared = false)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Backing.ToScenarioName()}/{Sizes.Format(Size)}{(GpaOffset != 0 ? "+4K" : "")}{(Logging ? "/log" : "")}{(Shared ? "/shared" : "")}";
}

/// <summary>Operation kinds of a generated single-threaded sequence.</summary>
public enum OpKind
{
    /// <summary>Guest read.</summary>
    GuestRead,
    /// <summary>Guest write of the op's value.</summary>
    GuestWrite,
    /// <summary>Guest instruction fetch.</summary>
    GuestExec,
    /// <summary>Guest atomic (stores the value).</summary>
    GuestAtomic,
    /// <summary>Host migrates the page.</summary>
    Migrate,
    /// <summary>Host splits the PMD mapping.</summary>
    ThpSplit,
    /// <summary>Host splits the folio.</summary>
    ThpSplitFolio,
    /// <summary>khugepaged collapse.</summary>
    ThpCollapse,
    /// <summary>madvise(MADV_DONTNEED) of 4 pages (a 2M page on hugetlb).</summary>
    MadviseDontneed,
    /// <summary>Swap the 2M region out.</summary>
    SwapOut,
    /// <summary>mprotect the slot's VMA read-only.</summary>
    MprotectRo,
    /// <summary>mprotect the slot's VMA read-write.</summary>
    MprotectRw,
    /// <summary>Host write of the op's value.</summary>
    HostWrite,
    /// <summary>Host read.</summary>
    HostRead,
    /// <summary>kvm_age_gfn over the slot.</summary>
    Age,
    /// <summary>Turn dirty logging on.</summary>
    LogEnable,
    /// <summary>Turn dirty logging off.</summary>
    LogDisable,
    /// <summary>KVM_GET_DIRTY_LOG.</summary>
    LogGet,
    /// <summary>Move the slot to the other GPA base and back.</summary>
    MemslotMove,
}

/// <summary>One generated operation: slot and page are reduced modulo the layout when run.</summary>
/// <param name="Kind">What to do.</param>
/// <param name="Slot">Slot index (modulo the layout's count).</param>
/// <param name="Page">4K page in the slot (modulo its size).</param>
/// <param name="Value">Value written.</param>
public sealed record Op(OpKind Kind, int Slot, int Page, ulong Value)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Kind}(s{Slot},p{Page}{(Kind is OpKind.GuestWrite or OpKind.HostWrite ? $",{Value}" : "")})";
}

/// <summary>
/// The random layouts and single-threaded operation sequences of the property tests
/// (<c>tests/.../Properties/RandomOps.cs</c>) and of <c>actorkvm diff --random</c>, and the address layout both use.
/// </summary>
public static class RandomOpGen
{
    /// <summary>HVA of slot 0; slot i at <see cref="HvaBase"/> + i * <see cref="Stride"/>.</summary>
    public const ulong HvaBase = 0x7f00_0000_0000;
    /// <summary>GPA of slot 0.</summary>
    public const ulong GpaBase = 0x4000_0000;
    /// <summary>GPA of slot 0 after a move.</summary>
    public const ulong MovedGpaBase = 0x1_0000_0000;
    /// <summary>16M per slot.</summary>
    public const ulong Stride = 16 * Sizes.PmdSize / 2;

    private static readonly BackingKind[] Backings = [BackingKind.Anon, BackingKind.Thp, BackingKind.Hugetlb2M, BackingKind.Shmem, BackingKind.File];

    /// <summary>A slot: backing, 2M..8M, congruent or 4K off, logging one time in four, shared or not.</summary>
    public static readonly Gen<SlotSpec> GenSlot =
        Gen.Select(Gen.Int[0, Backings.Length - 1], Gen.Int[1, 4], Gen.Int[0, 3], Gen.Int[0, 3], Gen.Bool,
            (b, mb2, off, log, shared) => new SlotSpec(Backings[b], (ulong)mb2 * Sizes.PmdSize, off == 0 ? Sizes.PageSize : 0, log == 0, shared));

    /// <summary>Guest accesses are weighted up so most sequences actually map, split and dirty pages.</summary>
    public static readonly Gen<OpKind> GenKind = Gen.Frequency(
        (6, Gen.OneOf(OpKind.GuestRead, OpKind.GuestWrite)),
        (1, Gen.Enum<OpKind>()));

    /// <summary>A few hot pages per 2M region so writes are read back, plus anywhere in the slot.</summary>
    public static readonly Gen<int> GenPage = Gen.Frequency((2, Gen.Int[0, 7]), (1, Gen.Int[512, 519]), (1, Gen.Int[0, 2047]));

    /// <summary>One operation.</summary>
    public static readonly Gen<Op> GenOp =
        Gen.Select(GenKind, Gen.Int[0, 2], GenPage, Gen.Int[1, 1_000_000],
            (k, s, p, v) => new Op(k, s, p, (ulong)v));

    /// <summary>A layout of 1..3 slots and 1..40 operations.</summary>
    public static readonly Gen<(SlotSpec[] Slots, Op[] Ops)> GenSequence = Gen.Select(GenSlot.Array[1, 3], GenOp.Array[1, 40]);

    /// <summary>HVA of slot <paramref name="i"/>.</summary>
    public static ulong Hva(int i) => HvaBase + (ulong)i * Stride;

    /// <summary>GPA of slot <paramref name="i"/>, moved or not.</summary>
    public static ulong Gpa(int i, bool moved, SlotSpec s) => (moved ? MovedGpaBase : GpaBase) + (ulong)i * Stride + s.GpaOffset;

    /// <summary>The slot, page and addresses an operation touches, as the property runner and the scenario writer resolve them.</summary>
    public static (int Slot, ulong Page, ulong Hva, ulong Gpa) Resolve(SlotSpec[] slots, bool[] moved, Op op)
    {
        var i = op.Slot % slots.Length;
        var pages = (int)(slots[i].Size / Sizes.PageSize);
        var page = (ulong)(op.Page % pages);
        return (i, page, Hva(i) + page * Sizes.PageSize, Gpa(i, moved[i], slots[i]) + page * Sizes.PageSize);
    }

    /// <summary>The range <see cref="OpKind.MadviseDontneed"/> zaps: 4 pages clipped to the slot, or the whole 2M page on hugetlb.</summary>
    public static (ulong Start, ulong Size) DontneedRange(SlotSpec s, int slot, ulong hva)
    {
        if (s.Backing.IsHugetlb()) return (hva & ~(Sizes.PmdSize - 1), Sizes.PmdSize);
        var size = 4 * Sizes.PageSize;
        if (hva + size > Hva(slot) + s.Size) size = Hva(slot) + s.Size - hva;
        return (hva, size);
    }
}

/// <summary>Writes a generated sequence as a scenario file (JSON), so that any engine or the real kernel can run it.</summary>
public static class RandomScenario
{
    /// <summary>Operations a plain process on a real kernel cannot perform: <c>actorkvm diff --random</c> leaves them out.</summary>
    public static readonly IReadOnlySet<OpKind> NotOnRealKernel = new HashSet<OpKind> { OpKind.ThpSplit, OpKind.ThpSplitFolio, OpKind.SwapOut, OpKind.Age };

    /// <summary>Sequence <paramref name="index"/> of the stream <paramref name="seed"/>: the same pair gives the same sequence.</summary>
    public static (SlotSpec[] Slots, Op[] Ops) Generate(ulong seed, int index)
    {
        var pcg = new PCG((uint)index, seed);
        return RandomOpGen.GenSequence.Generate(pcg, null, out _);
    }

    /// <summary>The scenario text (JSON) of a layout and its operations; ops in <paramref name="leaveOut"/> are dropped.</summary>
    public static string ToJson(string name, SlotSpec[] slots, IEnumerable<Op> ops, IReadOnlySet<OpKind>? leaveOut = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var moved = new bool[slots.Length];
        var b = new StringBuilder();
        b.Append(inv, $"{{\n  \"name\": \"{name}\",\n  \"description\": \"generated: slots [{string.Join(", ", slots.AsEnumerable())}]\",\n");
        b.Append("  \"host\": { \"vmas\": [\n");
        b.AppendJoin(",\n", slots.Select((s, i) =>
            $"    {{ \"hva\": \"{Hex(RandomOpGen.Hva(i))}\", \"size\": \"{Sizes.Format(s.Size)}\", \"backing\": \"{s.Backing.ToScenarioName()}\", \"prot\": \"rw\", \"shared\": {Bool(s.Shared || s.Backing == BackingKind.Shmem)} }}"));
        b.Append("\n  ] },\n  \"memslots\": [\n");
        b.AppendJoin(",\n", slots.Select((s, i) =>
            $"    {{ \"id\": {i}, \"gpa\": \"{Hex(RandomOpGen.Gpa(i, false, s))}\", \"size\": \"{Sizes.Format(s.Size)}\", \"hva\": \"{Hex(RandomOpGen.Hva(i))}\", \"log-dirty\": {Bool(s.Logging)} }}"));
        b.Append("\n  ],\n  \"steps\": [\n");
        var steps = new List<string>();
        foreach (var op in ops)
        {
            if (leaveOut?.Contains(op.Kind) == true) continue;
            var (i, _, hva, gpa) = RandomOpGen.Resolve(slots, moved, op);
            var s = slots[i];
            var v = op.Value.ToString(inv);
            string? step = op.Kind switch
            {
                OpKind.GuestRead => Access(gpa, "read", null),
                OpKind.GuestWrite => Access(gpa, "write", v),
                OpKind.GuestExec => Access(gpa, "exec", null),
                OpKind.GuestAtomic => Access(gpa, "atomic", v),
                OpKind.Migrate => Page("migrate", hva),
                OpKind.ThpSplit => Page("thp-split", hva),
                OpKind.ThpSplitFolio => Page("thp-split-folio", hva),
                OpKind.ThpCollapse => Page("thp-collapse", hva),
                OpKind.SwapOut => Range("swap-out", hva & ~(Sizes.PmdSize - 1), Sizes.PmdSize, null),
                OpKind.MadviseDontneed => RangeOf(RandomOpGen.DontneedRange(s, i, hva)),
                OpKind.MprotectRo => Range("mprotect", RandomOpGen.Hva(i), s.Size, "r"),
                OpKind.MprotectRw => Range("mprotect", RandomOpGen.Hva(i), s.Size, "rw"),
                OpKind.HostWrite => $"{{ \"op\": \"host-write\", \"hva\": \"{Hex(hva)}\", \"value\": {v} }}",
                OpKind.HostRead => $"{{ \"op\": \"host-read\", \"hva\": \"{Hex(hva)}\" }}",
                OpKind.Age => $"{{ \"op\": \"age\", \"gpa\": \"{Hex(RandomOpGen.Gpa(i, moved[i], s))}\", \"size\": \"{Sizes.Format(s.Size)}\" }}",
                OpKind.LogEnable => $"{{ \"op\": \"memslot-set-flags\", \"id\": {i}, \"log-dirty\": true }}",
                OpKind.LogDisable => $"{{ \"op\": \"memslot-set-flags\", \"id\": {i}, \"log-dirty\": false }}",
                OpKind.LogGet => $"{{ \"op\": \"dirty-log-get\", \"slot\": {i} }}",
                OpKind.MemslotMove => Move(i, s),
                _ => null,
            };
            if (step is not null) steps.Add("    " + step);
        }
        b.AppendJoin(",\n", steps);
        b.Append("\n  ]\n}\n");
        return b.ToString();

        string Move(int i, SlotSpec s)
        {
            moved[i] = !moved[i];
            return $"{{ \"op\": \"memslot-move\", \"id\": {i}, \"gpa\": \"{Hex(RandomOpGen.Gpa(i, moved[i], s))}\" }}";
        }
        string RangeOf((ulong Start, ulong Size) r) => Range("madvise-dontneed", r.Start, r.Size, null);
    }

    private static string Access(ulong gpa, string kind, string? value) =>
        $"{{ \"op\": \"access\", \"vcpu\": 0, \"gpa\": \"{Hex(gpa)}\", \"kind\": \"{kind}\"{(value is null ? "" : $", \"value\": {value}")} }}";

    private static string Page(string op, ulong hva) => $"{{ \"op\": \"{op}\", \"hva\": \"{Hex(hva)}\" }}";

    private static string Range(string op, ulong hva, ulong size, string? prot) =>
        $"{{ \"op\": \"{op}\", \"hva\": \"{Hex(hva)}\", \"size\": \"{Sizes.Format(size)}\"{(prot is null ? "" : $", \"prot\": \"{prot}\"")} }}";

    private static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
    private static string Bool(bool b) => b ? "true" : "false";
}
