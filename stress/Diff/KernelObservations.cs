using System.Globalization;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Fault;

namespace ActorKvm.Stress.Diff;

/// <summary>
/// Reads what <c>kvm/runner.c</c> printed for a scenario (its <c>@@ step</c> lines) into observations in the
/// model's spelling: exits become scenario results, the kprobe events between two <c>kvm_handle_guest_abort</c>
/// calls become one fault each (<c>map</c>, <c>relax</c>, <c>young</c>, or <c>retry</c> when it changed nothing and
/// the guest faulted again), and the stage-2 leaf at the accessed IPA comes from the events seen so far.
/// </summary>
public static class KernelObservations
{
    /// <summary>The observations of <paramref name="sc"/> from its lines (the <c>@@ </c> prefix removed).</summary>
    public static IReadOnlyList<Observation> Read(ScenarioDefinition sc, IReadOnlyList<string> lines)
    {
        var list = new List<Observation>();
        var setup = lines.FirstOrDefault(l => l.StartsWith("setup ", StringComparison.Ordinal));
        list.Add(new Observation("setup", setup is null ? "ok" : $"refused ({Field(setup, "error") ?? setup})"));
        var byIndex = new Dictionary<int, string>();
        foreach (var l in lines)
        {
            var parts = l.Split(' ', 3);
            if (parts.Length >= 2 && parts[0] == "step" && int.TryParse(parts[1], out var n) && n >= 0) byIndex[n] = l;
        }
        var shadow = new KernelStage2Shadow();
        foreach (var step in sc.Steps.Where(OpListExport.Runs))
        {
            if (!byIndex.TryGetValue(step.Index, out var line)) continue; // missing: the comparison shows it
            void Add(string key, string value) => list.Add(new Observation(step.KeyPath(key), value));
            var events = Field(line, "ev") is { } ev && ev != "-" ? ev.Split(',') : [];
            if (step is AccessStep a)
            {
                ReadAccess(a, line, events, shadow, Add);
                continue;
            }
            foreach (var e in events) shadow.Apply(e);
            Add(StepExpect.ResultKey, Errno(Field(line, "res") ?? "missing"));
            if (step is HostReadStep && Field(line, "res") == "OK") Add(StepExpect.ValueKey, Number(Field(line, "value")));
            if (step is DirtyLogGetStep && Field(line, "res") == "OK")
                Add(StepExpect.PagesKey, "[" + string.Join(", ", (Field(line, "pages") ?? "-").Split(',').Where(p => p != "-")) + "]");
        }
        list.Add(Observation.Warnings(lines.Where(l => l.StartsWith("warn ", StringComparison.Ordinal)).Select(l => l[5..])));
        return list;
    }

    private static void ReadAccess(AccessStep a, string line, string[] events, KernelStage2Shadow shadow, Action<string, string> add)
    {
        var exit = Field(line, "exit") ?? "missing";
        var kind = exit.Split(':')[0];
        // The runner's own report stores each take one abort: one for "done", three for an exception report.
        var portAborts = kind == "done" ? 1 : kind == "exception" ? 3 : 0;
        var aborts = events.Count(e => e == "A");
        var faults = new List<List<string>>();
        var seen = 0;
        foreach (var e in events)
        {
            if (e == "A")
            {
                seen++;
                if (seen <= aborts - portAborts) faults.Add([]);
                continue;
            }
            shadow.Apply(e);
            if (faults.Count > 0 && seen <= aborts - portAborts) faults[^1].Add(e);
        }
        string result = kind switch
        {
            "done" => "ok",
            "mmio" => "mmio",
            "errno" => Errno(exit[(exit.IndexOf(':', StringComparison.Ordinal) + 1)..]),
            "sigbus" => "sigbus-hwpoison",
            "nisv" => "nisv",
            "exception" => GuestException(exit, a),
            _ => exit,
        };
        var names = new List<string>();
        for (var i = 0; i < faults.Count; i++)
        {
            var f = faults[i];
            var name = f.Any(e => e.StartsWith("M:", StringComparison.Ordinal)) ? "map"
                : f.Any(e => e.StartsWith("R:", StringComparison.Ordinal)) ? "relax"
                : f.Any(e => e.StartsWith("Y:", StringComparison.Ordinal)) ? "young"
                : null;
            var last = i == faults.Count - 1;
            if (name is not null) names.Add(name);
            else if (!last) names.Add("retry");
            else if (result == "ok" && a.Kind == AccessKind.Cmo) result = "skip-cm"; // kvm_incr_pc without a mapping
            else if (result == "ok") names.Add("retry");
            // else: the abort that ended the access in an exit or an injection is not a fault result
        }
        add(StepExpect.ResultKey, result);
        add(StepExpect.FaultsKey, "[" + string.Join(", ", names) + "]");
        if (a.Kind.LoadsValue() && result == "ok") add(StepExpect.ValueKey, Number(Field(line, "value")));
        if (names.Any(n => n is "map" or "relax"))
        {
            var leaf = shadow.Find(a.Gpa.Value);
            add(StepExpect.SizeKey, leaf is { } l ? Model.Arch.Sizes.Format(l.Size) : "unmapped");
            add(StepExpect.PermsKey, leaf is { } p ? KernelStage2Shadow.Perms(p.Prot) : "unmapped");
            add(StepExpect.MemTypeKey, leaf is { } m ? KernelStage2Shadow.MemType(m.Prot) : "unmapped");
        }
    }

    /// <summary>An exception the guest's vector table caught: what KVM injected, or the UDF an exec fetched.</summary>
    private static string GuestException(string exit, AccessStep a)
    {
        var f = exit.Split(':');
        var esr = f.Length > 1 ? Hex(f[1]) : 0;
        var elr = f.Length > 3 ? Hex(f[3]) : 0;
        var ec = esr >> 26;
        var fsc = esr & 0x3f;
        return ec switch
        {
            0x00 when a.Kind == AccessKind.Exec && elr == a.Gpa.Value => "ok", // fetched and ran the (undefined) instruction there
            0x21 => "inject-iabt",
            0x25 when fsc == 0x35 => "inject-excl-atomic",
            0x25 when fsc <= 0x03 => "inject-size-fault",
            0x25 => "inject-dabt",
            _ => $"guest-exception-ec-0x{ec:x2}",
        };
    }

    /// <summary>The value of <c>key=</c> in a runner line (values hold no spaces), or null.</summary>
    public static string? Field(string line, string key)
    {
        foreach (var token in line.Split(' '))
            if (token.StartsWith(key + "=", StringComparison.Ordinal)) return token[(key.Length + 1)..];
        return null;
    }

    private static string Errno(string name) => name == "OK" ? "ok" : name.ToLowerInvariant();

    private static string Number(string? hex) => Hex(hex ?? "0").ToString(CultureInfo.InvariantCulture);

    private static ulong Hex(string s) => KernelStage2Shadow.Hex(s);
}
