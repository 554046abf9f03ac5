using System.Globalization;
using System.Text;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;

namespace ActorKvm.Stress.Diff;

/// <summary>
/// Writes an eligible scenario as the op list <c>kvm/runner.c</c> reads: one <c>key=value</c> line per VM, VMA,
/// memslot and step (the format is described at the top of runner.c). Steps that only inspect the model
/// (<c>stage2</c>, <c>check</c>) are left out: the real kernel has nothing to show for them.
/// </summary>
public static class OpListExport
{
    /// <summary>Bytes the runner's own memslot (guest code, stage-1 tables) and its report port take.</summary>
    public const ulong CodeWindowSize = 0x20000;

    /// <summary>The steps the runner runs (in order), by their index in the scenario.</summary>
    public static bool Runs(StepSpec step) => step is not (Stage2Step or CheckStep);

    /// <summary>The op list of <paramref name="sc"/>; call only for eligible scenarios.</summary>
    public static string Export(ScenarioDefinition sc)
    {
        var code = CodeWindow(sc) ?? throw new InvalidOperationException($"{sc.Name}: no code window");
        var b = new StringBuilder();
        var vm = sc.Vm;
        b.Append(CultureInfo.InvariantCulture, $"scenario {Token(sc.Name)}\n");
        b.Append(CultureInfo.InvariantCulture,
            $"vm ipa={vm.IpaBits} vcpus={vm.Vcpus} manual={Bit(vm.ManualDirtyProtect)} initset={Bit(vm.InitiallyAllSet)} eager={Hex(vm.EagerSplitChunk)} nisv={Bit(vm.NisvToUser)} code={Hex(code)}\n");
        foreach (var v in sc.Host.Vmas)
            b.Append(CultureInfo.InvariantCulture, $"vma {Vma(v.Hva, v.Size, v.Backing, v.Prot, v.Shared)}\n");
        foreach (var s in sc.Memslots) b.Append(CultureInfo.InvariantCulture, $"slot {Slot(s)}\n");
        foreach (var step in sc.Steps.Where(Runs))
            b.Append(CultureInfo.InvariantCulture, $"step {step.Index} {Step(step) ?? throw new InvalidOperationException($"{step.Path}: op {step.Op} is not exported")}\n");
        b.Append("end\n");
        return b.ToString();
    }

    /// <summary>
    /// A 2M-aligned GPA for the runner's code memslot and port, clear of every memslot (initial, created,
    /// moved) and every accessed address, below the VM's IPA size and the guest's 1 TiB stage 1; null if none.
    /// </summary>
    public static ulong? CodeWindow(ScenarioDefinition sc)
    {
        var used = new List<(ulong Start, ulong End)>();
        foreach (var s in sc.Memslots) used.Add((s.Gpa.Value, s.GpaEnd.Value));
        var sizes = sc.Memslots.ToDictionary(s => s.Id, s => s.Size);
        foreach (var step in sc.Steps)
        {
            switch (step)
            {
                case MemslotCreateStep c:
                    used.Add((c.Slot.Gpa.Value, c.Slot.GpaEnd.Value));
                    sizes[c.Slot.Id] = c.Slot.Size;
                    break;
                case MemslotMoveStep m:
                    used.Add((m.Gpa.Value, m.Gpa.Value + sizes.GetValueOrDefault(m.SlotId, Sizes.PudSize)));
                    break;
                case AccessStep a:
                    used.Add((a.Gpa.Value & ~(Sizes.PageSize - 1), (a.Gpa.Value & ~(Sizes.PageSize - 1)) + Sizes.PageSize));
                    break;
            }
        }
        var limit = Math.Min(sc.Vm.PhysSize, DiffEligibility.GuestStage1Limit);
        for (var gpa = 0UL; gpa + CodeWindowSize <= limit; gpa += Sizes.PmdSize)
            if (!used.Any(u => u.Start < gpa + CodeWindowSize && gpa < u.End)) return gpa;
        return null;
    }

    /// <summary>True when <paramref name="step"/> is left out or has a runner op (an op the runner lacks makes its scenario ineligible).</summary>
    public static bool Exports(StepSpec step) => !Runs(step) || Step(step) is not null;

    private static string? Step(StepSpec step) => step switch
    {
        AccessStep a => $"access vcpu={a.Vcpu} gpa={Hex(a.Gpa.Value)} kind={KindName(a.Kind)} value={Hex(a.Value ?? 0)}",
        HostRangeStep h when h.Operation is HostOp.Munmap or HostOp.Mprotect or HostOp.MadviseDontneed => $"{h.Op} hva={Hex(h.Hva.Value)} size={Hex(h.Size)} prot={(h.Prot ?? HostProt.None).Format()}",
        HostPageStep p when p.Operation is HostOp.Migrate or HostOp.ThpCollapse or HostOp.Poison => $"{p.Op} hva={Hex(p.Hva.Value)}",
        HostMmapStep m => $"mmap {Vma(m.Hva, m.Size, m.Backing, m.Prot, m.Shared)}",
        HostWriteStep w => $"host-write hva={Hex(w.Hva.Value)} value={Hex(w.Value)}",
        HostReadStep r => $"host-read hva={Hex(r.Hva.Value)}",
        MemslotCreateStep c => $"memslot-create {Slot(c.Slot)}",
        MemslotDeleteStep d => $"memslot-delete id={d.SlotId}",
        MemslotMoveStep m => $"memslot-move id={m.SlotId} gpa={Hex(m.Gpa.Value)}",
        MemslotSetFlagsStep f => $"memslot-set-flags id={f.SlotId} log={Tri(f.LogDirty)} ro={Tri(f.ReadOnly)}",
        DirtyLogGetStep g => $"dirty-log-get id={g.SlotId}",
        DirtyLogClearStep c => $"dirty-log-clear id={c.SlotId} first={c.First} count={c.Count}",
        _ => null,
    };

    private static string Vma(Hva hva, ulong size, BackingKind backing, HostProt prot, bool shared) =>
        $"hva={Hex(hva.Value)} size={Hex(size)} backing={backing.ToScenarioName()} prot={prot.Format()} shared={Bit(shared)}";

    private static string Slot(MemslotSpec s) =>
        $"id={s.Id} gpa={Hex(s.Gpa.Value)} size={Hex(s.Size)} hva={Hex(s.Hva.Value)} ro={Bit(s.ReadOnly)} log={Bit(s.LogDirty)}";

    /// <summary>The runner's name of an access kind.</summary>
    public static string KindName(AccessKind k) => k switch
    {
        AccessKind.Write => "write",
        AccessKind.Exec => "exec",
        AccessKind.Atomic => "atomic",
        AccessKind.Cmo => "cmo",
        AccessKind.Read => "read",
        AccessKind.LoadNoSyndrome => "load-no-syndrome",
        AccessKind.StoreNoSyndrome => "store-no-syndrome",
        _ => throw new InvalidOperationException($"access kind {k} is not exported"),
    };

    private static string Token(string s) => string.Concat(s.Select(c => char.IsWhiteSpace(c) ? '_' : c));
    private static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
    private static string Bit(bool b) => b ? "1" : "0";
    private static string Tri(bool? b) => b is null ? "-" : Bit(b.Value);
}
