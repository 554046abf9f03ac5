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
}
