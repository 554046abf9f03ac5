using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Loading.Tree;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Reads the parsed tree into a <see cref="ScenarioDefinition"/>: every key is read here (so unknown ones
/// are caught) and defaults are the format's tables. Steps are read by <see cref="StepReader"/>.
/// </summary>
internal static class ScenarioReader
{
    public static ScenarioDefinition Read(SNode root, string sourcePath)
    {
        var top = ObjectReader.Of(root, "");
        var name = top.RequiredString("name");
        if (name.Trim().Length == 0) throw new ScenarioParseException("name", "must not be empty");
        NoControlCharacters(name, "name");
        var description = top.String("description");
        if (description is not null) NoControlCharacters(description, "description");
        var vm = top.Get("vm") is { } vmNode ? ReadVm(ObjectReader.Of(vmNode, "vm")) : VmConfig.Default;
        var host = top.Get("host") is { } hostNode ? ReadHost(ObjectReader.Of(hostNode, "host")) : new HostConfig([], 48);
        var memslots = top.List("memslots", (n, p) => ReadMemslot(n, p)) ?? [];
        var steps = top.Get("steps") is { } stepsNode ? StepReader.ReadAll(stepsNode, "steps", vm) : [];
        var expect = top.Get("expect") is { } expectNode ? ReadFinalExpect(ObjectReader.Of(expectNode, FinalExpect.Path)) : FinalExpect.None;
        var bugs = top.List("bugs", (n, p) => Values.Name(n, p, BugCatalog.Names.ToList(), "bug")) ?? [];
        var minKernel = top.String("min-kernel") is { } mk
            ? KernelVersion.Parse(mk) ?? throw new ScenarioParseException("min-kernel", $"expected a kernel version such as \"6.17\", got \"{mk}\"")
            : null;
        var variants = top.List("variants", (n, p) => Values.Name(n, p, Model.Variants.VariantCatalog.Names.ToList(), "variant")) ?? [];
        top.Done();
        return new ScenarioDefinition(name, description, sourcePath, vm, host, memslots, steps, expect, bugs) { Variants = variants, MinKernel = minKernel };
    }

    /// <summary>
    /// Names and descriptions are echoed to the terminal (PASS/FAIL lines, <c>scenarios</c>): a newline could forge an
    /// output line and an escape sequence could restyle or retitle the terminal.
    /// </summary>
    private static void NoControlCharacters(string text, string key)
    {
        if (text.FirstOrDefault(char.IsControl) is var c && c != '\0')
            throw new ScenarioParseException(key, $"must not contain control characters (found U+{(int)c:X4}; it is printed on the terminal)");
    }

    private static VmConfig ReadVm(ObjectReader o)
    {
        var d = VmConfig.Default;
        var ipaBits = o.Int("ipa-bits", 32, 52) ?? d.IpaBits;
        if (o.Size("granule") is { } granule && granule != Sizes.PageSize)
        {
            var message = granule is 16 * 1024 or 64 * 1024
                ? $"{Sizes.Format(granule)} granule is not supported (only 4K)"
                : $"expected 4K, 16K or 64K, got {Sizes.Format(granule)}";
            throw new ScenarioParseException(o.PathOf("granule"), message);
        }
        var vcpus = o.Int("vcpus", 1, 512) ?? d.Vcpus;
        var prot = o.Bool("protected") ?? d.Protected;
        var features = o.Get("features") is { } f ? ReadFeatures(ObjectReader.Of(f, o.PathOf("features"))) : d.Features;
        var chunk = o.Size("eager-split-chunk") ?? d.EagerSplitChunk;
        // kvm_vm_ioctl_enable_cap: the chunk must be 0 or a block size the stage-2 supports.
        if (chunk is not (0 or Sizes.PageSize or Sizes.PmdSize or Sizes.PudSize))
            throw new ScenarioParseException(o.PathOf("eager-split-chunk"), $"must be 0, 4K, 2M or 1G, got {Sizes.Format(chunk)}");
        var manual = o.Bool("manual-dirty-protect") ?? d.ManualDirtyProtect;
        var allSet = o.Bool("initially-all-set") ?? d.InitiallyAllSet;
        if (allSet && !manual)
            throw new ScenarioParseException(o.PathOf("initially-all-set"), "needs manual-dirty-protect = true (it is a flag of KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2)");
        var memcache = o.Int("memcache-capacity", 0, Model.Stage2.KvmMmuMemoryCache.DefaultCapacity) ?? d.MemcacheCapacity;
        var nisv = o.Bool("nisv-to-user") ?? d.NisvToUser;
        // kvm_vm_ioctl_check_extension: KVM_CAP_ARM_NISV_TO_USER is not offered to a protected VM.
        if (nisv && prot)
            throw new ScenarioParseException(o.PathOf("nisv-to-user"), "KVM_CAP_ARM_NISV_TO_USER is not available to a protected VM");
        o.Done();
        return new VmConfig(ipaBits, vcpus, prot, features, chunk, manual, allSet, memcache, nisv);
    }

    private static VmFeatures ReadFeatures(ObjectReader o)
    {
        var d = VmFeatures.Default;
        var r = new VmFeatures(
            o.Bool("s2fwb") ?? d.S2Fwb,
            o.Bool("cache-dic") ?? d.CacheDic,
            o.Bool("cache-idc") ?? d.CacheIdc,
            o.Bool("mte") ?? d.Mte,
            o.Bool("ls64wb") ?? d.Ls64Wb,
            o.Bool("nested") ?? d.Nested,
            o.Bool("hw-af") ?? d.HwAf);
        o.Done();
        return r;
    }

    private static HostConfig ReadHost(ObjectReader o)
    {
        var vmas = o.List("vmas", ReadVma) ?? [];
        var limit = o.Int("ipa-limit", 32, 52) ?? 48;
        o.Done();
        return new HostConfig(vmas, limit);
    }

    private static VmaSpec ReadVma(SNode node, string path)
    {
        var o = ObjectReader.Of(node, path);
        var (hva, size, backing, prot, shared) = ReadVmaFields(o);
        o.Done();
        return new VmaSpec(hva, size, backing, prot, shared, path);
    }

    /// <summary>The keys of a VMA (<c>hva</c>, <c>size</c>, <c>backing</c>, <c>prot</c>, <c>shared</c>), shared by <c>host.vmas</c> and the <c>mmap</c> step.</summary>
    internal static (Hva Hva, ulong Size, BackingKind Backing, HostProt Prot, bool Shared) ReadVmaFields(ObjectReader o)
    {
        var hva = new Hva(o.RequiredAddress("hva"));
        var size = o.RequiredSize("size");
        var backing = Values.Enum(o.Require("backing"), o.PathOf("backing"), BackingKindExtensions.Names.Select(x => (x.Kind, x.Name)).ToList());
        var protNode = o.Require("prot");
        var prot = HostProtExtensions.Parse(protNode is SScalar { Kind: ScalarKind.Text } s ? s.Text : "?")
            ?? throw Values.Fail(o.PathOf("prot"), "permissions (letters from r, w, x, or \"none\")", protNode);
        var shared = o.Bool("shared") ?? false;
        return (hva, size, backing, prot, shared);
    }

    /// <summary>Reads a memslot object; only syntax here (initial slots are checked by the validator).</summary>
    public static MemslotSpec ReadMemslot(SNode node, string path)
    {
        var o = ObjectReader.Of(node, path);
        var slot = new MemslotSpec(
            o.RequiredInt("id", 0, Model.Memslots.MemslotValidation.MaxUserSlots - 1), // KVM_USER_MEM_SLOTS: ids 0..32766
            new Ipa(o.RequiredAddress("gpa")),
            o.RequiredSize("size"),
            new Hva(o.RequiredAddress("hva")),
            o.Bool("readonly") ?? false,
            o.Bool("log-dirty") ?? false,
            o.Bool("guest-memfd") ?? false,
            path);
        o.Done();
        return slot;
    }

    private static FinalExpect ReadFinalExpect(ObjectReader o)
    {
        var violations = o.List("violations", ViolationName);
        var include = o.List("violations-include", ViolationName);
        var refcounts = o.Bool("refcounts-balanced");
        var stage2 = o.List("stage2", ReadStage2Expect) ?? [];
        var dirty = o.List("dirty", ReadDirtyExpect) ?? [];
        var findings = o.List("findings", (n, p) => Values.Name(n, p, UpstreamFindings.All.Keys.ToList(), "upstream finding"));
        o.Done();
        return new FinalExpect(violations, include, refcounts, stage2, dirty, findings);
    }

    private static Stage2Expect ReadStage2Expect(SNode node, string path)
    {
        var o = ObjectReader.Of(node, path);
        var r = new Stage2Expect(
            new Ipa(o.RequiredAddress("gpa")),
            o.Bool("mapped"),
            o.Size("size"),
            o.Perms("perms"),
            o.Enum("memtype", ScenarioNames.MemTypes),
            o.Bool("young"),
            path);
        o.Done();
        return r;
    }

    private static DirtyExpect ReadDirtyExpect(SNode node, string path)
    {
        var o = ObjectReader.Of(node, path);
        var slot = o.RequiredInt("slot", 0, short.MaxValue);
        o.Require("pages");
        var pages = o.List("pages", Values.UInt64)!;
        o.Done();
        return new DirtyExpect(slot, pages, path);
    }

    /// <summary>A violation name from the oracle's catalogue.</summary>
    public static string ViolationName(SNode node, string path) => Values.Name(node, path, ViolationNames.All.ToList(), "violation");
}
