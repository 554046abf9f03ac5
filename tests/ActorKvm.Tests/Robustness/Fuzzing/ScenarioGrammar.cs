using CsCheck;

namespace ActorKvm.Tests.Robustness.Fuzzing;

/// <summary>
/// CsCheck generators over the scenario format: real keys, ops and phases most of the time, with hostile values
/// (overflowing numbers, negative sizes, control characters, huge counts) and the HOCON forms the parser must take or
/// refuse (separators, dotted keys, quoting, comments, substitutions, includes, lists at the top).
/// </summary>
internal static class ScenarioGrammar
{
    private static readonly string[] Ops =
    [
        "access", "migrate", "munmap", "mprotect", "split", "collapse", "zap", "swap-out", "age", "resume", "join", "check",
        "memslot-create", "memslot-delete", "memslot-move", "memslot-set-flags", "dirty-log-get", "dirty-log-clear",
        "pre-fault", "mmap", "free-page-tables", "mte-sync-tags", "host-write", "host-read", "nested-enter", "nested-exit", "nope",
    ];

    private static readonly string[] Backings = ["thp", "anon", "hugetlb-2M", "hugetlb-1G", "device", "device-cacheable", "device-mixedmap", "shmem", "file", "guest-memfd", "bogus"];
    private static readonly string[] Phases = ["classify", "memslot-lookup", "vma-snapshot", "pfn-faultin", "prot-computed", "mmu-lock", "retry-check", "thp-adjust", "map", "complete", "nowhere"];

    /// <summary>Numbers as a hostile user writes them.</summary>
    public static readonly Gen<string> Number = Gen.OneOf(
        Gen.Int[0, 64].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.OneOf("0", "-1", "-9223372036854775808", "9223372036854775807", "18446744073709551615", "99999999999999999999999",
            "1e300", "NaN", "0x", "0x40000000", "\"0x40000000\"", "\"0xffffffffffffffff\"", "1.5", "-0", "007", "4096", "2147483648"),
        Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Sizes: valid suffixes, overflowing ones, the kernel's limits and beyond.</summary>
    public static readonly Gen<string> Size = Gen.OneOf(
        Gen.OneOf("4K", "2M", "64M", "1G", "2T", "16E", "17179869184G", "-2M", "0", "3K", "2MiB", "1Q", "4503599627370496",
            "8796093022208", "70368744177664", "\"2M\"", "18446744073709551616"),
        Number);

    /// <summary>Text values, including control characters and terminal escapes.</summary>
    public static readonly Gen<string> Text = Gen.OneOf(
        Gen.OneOf("n", "\"a b\"", "\"\\u001b[31mred\"", "\"line\\nPASS forged\"", "\"\"", "\"\"\"tri\nple\"\"\"", "null", "true", "${name}",
            "${?nothing}", "${a.b.c}", "[]", "{}", "\"\\ud800\""),
        Gen.String[Gen.Char["a-z0-9-"], 1, 12]);

    /// <summary>Any value.</summary>
    public static Gen<string> Value(int depth) => depth <= 0
        ? Gen.OneOf(Number, Size, Text)
        : Gen.Frequency(
            (6, Gen.OneOf(Number, Size, Text)),
            (1, Object(depth - 1)),
            (1, Value(depth - 1).Array[0, 4].Select(items => "[ " + string.Join(", ", items) + " ]")));

    private static readonly Gen<string> Key = Gen.OneOf(
        Gen.OneOf("name", "description", "vm", "host", "memslots", "steps", "expect", "bugs", "id", "gpa", "hva", "size", "op", "kind",
            "value", "vcpu", "pause-at", "async", "backing", "prot", "ipa-bits", "vcpus", "log-dirty", "result", "faults", "\"quoted.key\"",
            "a.b.c", "vm.ipa-bits", "include", "x"),
        Gen.String[Gen.Char["a-z.-"], 1, 6]);

    /// <summary>An object with random known and unknown keys.</summary>
    public static Gen<string> Object(int depth) =>
        Gen.Select(Gen.Select(Key, Value(depth)).Select((k, v) => $"{k} = {v}").Array[0, 5], Gen.Bool)
            .Select((fields, commas) => "{ " + string.Join(commas ? ", " : "\n", fields) + " }");

    /// <summary>A step: a known op with plausible and hostile fields.</summary>
    public static readonly Gen<string> Step = Gen.Select(
        Gen.OneOf(Ops), Gen.Int[0, 3], Size, Number, Gen.OneOf(Phases), Gen.Bool, Gen.Int[0, 4],
        (op, vcpu, size, gpa, phase, pause, extra) =>
            "{ op = " + op + ", id = s" + extra + ", vcpu = " + vcpu + ", gpa = " + gpa + ", size = " + size + ", hva = \"0x7f0000000000\", kind = write, value = " + extra
            + (pause ? ", pause-at = " + phase : "") + (extra == 3 ? ", slot { id = 1, gpa = \"0x80000000\", size = " + size + ", hva = \"0x7f0000000000\" }" : "")
            + ", expect { result = ok } }");

    /// <summary>A whole scenario file, mostly shaped right so the generator reaches past the syntax checks.</summary>
    public static readonly Gen<string> Scenario = Gen.Select(
        Gen.Select(Text, Gen.Int[32, 53], Gen.Int[0, 600], Gen.OneOf(Backings), Size, Size),
        Gen.Select(Number, Step.Array[0, 6], Gen.Bool, Object(1), Gen.Int[0, 5]),
        (a, b) =>
        {
            var (name, ipa, vcpus, backing, vmaSize, slotSize) = a;
            var (gpa, steps, dirty, extra, shape) = b;
            var body = $"""
                name = {name}
                vm {"{"} ipa-bits = {ipa}, vcpus = {vcpus} {"}"}
                host.vmas = [ {"{"} hva = "0x7f0000000000", size = {vmaSize}, backing = {backing}, prot = rw {"}"} ]
                memslots = [ {"{"} id = 0, gpa = {gpa}, size = {slotSize}, hva = "0x7f0000000000", log-dirty = {(dirty ? "true" : "false")} {"}"} ]
                steps = [
                  {string.Join("\n  ", steps)}
                ]
                """;
            return shape switch
            {
                0 => body + "\nexpect " + extra,
                1 => "{\n" + body + "\n}",
                2 => body + "\nextra = " + extra,
                3 => "[\n" + body + "\n]",
                _ => body,
            };
        });

    // --- shaped scenarios: valid most of the time, so the fuzzer reaches the model and not only the loader ---------

    private static readonly Gen<string> Page = Gen.Frequency(
        (8, Gen.Int[0, 40].Select(k => (k * 4096L).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (2, Gen.Int[0, 8].Select(k => (k * 2097152L).ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (1, Gen.OneOf("4095", "67108864", "67104768", "-4096", "1099511627776")));

    private static readonly Gen<string> RangeSize = Gen.Frequency((6, Gen.OneOf("4K", "8K", "64K", "2M")), (1, Gen.OneOf("0", "3K", "64M", "1G", "8796093018112")));

    private static string Gpa(string offset) => $"\"0x{0x40000000L + long.Parse(offset, System.Globalization.CultureInfo.InvariantCulture):x}\"";
    private static string Hva(string offset) => $"\"0x{0x7f0000000000L + long.Parse(offset, System.Globalization.CultureInfo.InvariantCulture):x}\"";

    /// <summary>A step of a real op with the fields that op takes, at addresses inside the slot and VMA most of the time.</summary>
    public static readonly Gen<string> ShapedStep = Gen.Select(
        Gen.Select(Gen.Int[0, 17], Gen.Int[0, 2], Page, RangeSize, Gen.OneOf("read", "write", "exec", "atomic", "cmo", "load-no-syndrome", "store-no-syndrome")),
        Gen.Select(Gen.Int[0, 9], Gen.UInt[0, 1000], Gen.OneOf("r", "rw", "none")),
        (a, b) =>
        {
            var (op, vcpu, off, size, kind, extra, value, prot) = (a.Item1, a.Item2, a.Item3, a.Item4, a.Item5, b.Item1, b.Item2, b.Item3);
            if (off.StartsWith('-')) off = "0"; // a negative offset is no address at all: the hostile generator covers it
            var step = op switch
            {
                0 or 1 or 2 => $"op = access, vcpu = {vcpu}, gpa = {Gpa(off)}, kind = {kind}" + (kind is "write" or "atomic" or "store-no-syndrome" ? $", value = {value}" : ""),
                3 => $"op = pre-fault, vcpu = {vcpu}, gpa = {Gpa(off)}, size = {size}",
                4 => $"op = migrate, hva = {Hva(off)}",
                5 => $"op = {(extra % 2 == 0 ? "thp-split" : "thp-collapse")}, hva = {Hva(off)}",
                6 => $"op = munmap, hva = {Hva(off)}, size = {size}",
                7 => $"op = mprotect, hva = {Hva(off)}, size = {size}, prot = {prot}",
                8 => $"op = {(extra % 2 == 0 ? "madvise-dontneed" : "swap-out")}, hva = {Hva(off)}, size = {size}",
                9 => $"op = age, gpa = {Gpa(off)}, size = {size}",
                10 => $"op = host-write, hva = {Hva(off)}, value = {value}",
                11 => $"op = host-read, hva = {Hva(off)}",
                12 => $"op = memslot-set-flags, slot = 0, log-dirty = {(extra % 2 == 0 ? "true" : "false")}",
                13 => extra % 3 == 0 ? "op = dirty-log-get, slot = 0" : $"op = dirty-log-clear, slot = 0, first = {extra * 8}, count = {(extra + 1) * 64}",
                14 => $"op = memslot-create, slot {{ id = {1 + extra % 3}, gpa = {Gpa((67108864L + extra * 2097152L).ToString(System.Globalization.CultureInfo.InvariantCulture))}, size = 2M, hva = {Hva(off)} }}",
                15 => extra % 2 == 0 ? $"op = memslot-delete, slot = {extra % 3}" : $"op = memslot-move, slot = 0, gpa = \"0x{0x80000000L + extra * 0x4000000L:x}\"",
                16 => $"op = free-page-tables, hva = {Hva(off)}, size = {size}",
                _ => "op = check",
            };
            // async now and then (joined at the end); an expectation now and then (a wrong one is a FAIL, which is fine).
            return "{ " + step + (extra == 7 ? ", async = true" : "") + (extra == 8 ? ", expect { result = ok }" : "") + " }";
        });

    /// <summary>A scenario shaped right: one VMA and slot of a real backing, 1..12 shaped steps, a join.</summary>
    public static readonly Gen<string> ShapedScenario = Gen.Select(
        Gen.OneOf("anon", "thp", "hugetlb-2M", "shmem", "file", "device-mixedmap"), Gen.OneOf("64M", "16M"), Gen.Bool, Gen.Int[1, 4],
        ShapedStep.Array[1, 12], Gen.OneOf("", "bugs = [ retry-ignores-in-progress ]\n", "vm.features.s2fwb = false\n"),
        (backing, size, dirty, vcpus, steps, extra) => $$"""
            name = shaped
            vm.vcpus = {{vcpus}}
            {{extra}}host.vmas = [ { hva = "0x7f0000000000", size = {{size}}, backing = {{backing}}, prot = rw } ]
            memslots = [ { id = 0, gpa = "0x40000000", size = {{size}}, hva = "0x7f0000000000", log-dirty = {{(dirty ? "true" : "false")}} } ]
            steps = [
              {{string.Join("\n  ", steps)}}
              { op = join }
            ]
            """);
}
