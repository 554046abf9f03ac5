using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Diff;

/// <summary>
/// The real-kernel side of <c>actorkvm diff</c>: the pieces <c>kvm/setup.sh</c> left in <c>kvm/.cache</c>, one QEMU
/// boot of an arm64 kernel with KVM at EL2 (<c>-M virt,virtualization=on</c>, TCG), whose initramfs is the cached
/// base (busybox, /init, the runner) plus the op lists, and the runner's <c>@@</c> lines read back from the console.
/// </summary>
internal sealed class KvmHarness
{
    private const string SetupHint = "run kvm/setup.sh";

    private KvmHarness(string cache, string image, KernelVersion version)
    {
        Cache = cache;
        Image = image;
        Version = version;
    }

    /// <summary>kvm/.cache.</summary>
    public string Cache { get; }
    /// <summary>The kernel image booted.</summary>
    public string Image { get; }
    /// <summary>Its version, read before the boot (for <c>min-kernel</c>).</summary>
    public KernelVersion Version { get; }

    /// <summary>Checks the set-up (and <paramref name="kernel"/>, when given); a missing piece is one user error naming it.</summary>
    public static KvmHarness Open(string repositoryRoot, string? kernel)
    {
        var kvm = Path.Combine(repositoryRoot, "kvm");
        var cache = Path.Combine(kvm, ".cache");
        foreach (var piece in new[] { "base.cpio", "runner" })
            if (!File.Exists(Path.Combine(cache, piece))) throw new CliUserError($"set-up missing ({Path.Combine(cache, piece)}): {SetupHint}");
        var sources = new[] { "runner.c", "guest.S", "init.sh" }.Select(f => Path.Combine(kvm, f)).Where(File.Exists);
        if (sources.Any(s => File.GetLastWriteTimeUtc(s) > File.GetLastWriteTimeUtc(Path.Combine(cache, "base.cpio"))))
            throw new CliUserError($"set-up out of date (kvm/ changed since the runner was built): {SetupHint}");
        if (FindOnPath("qemu-system-aarch64") is null) throw new CliUserError($"qemu-system-aarch64 not found: {SetupHint}");
        string image;
        KernelVersion? version;
        if (kernel is null)
        {
            image = Path.Combine(cache, "Image");
            var versionFile = Path.Combine(cache, "kernel.version");
            if (!File.Exists(image) || !File.Exists(versionFile)) throw new CliUserError($"set-up missing (no kernel in {cache}): {SetupHint}");
            version = KernelVersion.Parse(File.ReadAllText(versionFile));
        }
        else
        {
            if (!File.Exists(kernel)) throw new CliUserError($"--kernel: no such file: {kernel}");
            image = Path.GetFullPath(kernel);
            version = VersionInImage(image);
        }
        return new KvmHarness(cache, image, version ?? throw new CliUserError($"--kernel: no 'Linux version' string found in {kernel ?? image}"));
    }

    /// <summary>Boots once with the op list, returns the runner's lines (the <c>@@ </c> prefix removed) and the console log path.</summary>
    public (IReadOnlyList<string> Lines, string ConsoleLog) Boot(string opList, int scenarios, int steps)
    {
        var initrd = Path.Combine(Path.GetTempPath(), $"actorkvm-diff-{Environment.ProcessId}.cpio");
        var consoleLog = Path.Combine(Cache, "last-console.log");
        using (var f = File.Create(initrd))
        {
            using (var b = File.OpenRead(Path.Combine(Cache, "base.cpio"))) b.CopyTo(f);
            Cpio.Write(f, [("ops", null), ("ops/diff.ops", Encoding.UTF8.GetBytes(opList))]);
        }
        // 2 NUMA nodes of 2G: migrate has somewhere to move a page; a CMA area on node 1 gives /init its 1G huge page.
        var args = new List<string>
        {
            "-n", "10", "qemu-system-aarch64", "-M", "virt,virtualization=on,gic-version=3", "-cpu", "max", "-smp", "2", "-m", "4G",
            "-object", "memory-backend-ram,id=m0,size=2G", "-object", "memory-backend-ram,id=m1,size=2G",
            "-numa", "node,memdev=m0", "-numa", "node,memdev=m1", "-nic", "none", "-nographic", "-no-reboot",
            "-kernel", Image, "-initrd", initrd, "-append", "console=ttyAMA0 quiet panic=-1 hugetlb_cma=1:1G",
        };
        var psi = new ProcessStartInfo("nice") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var output = new StringBuilder();
        var timeout = TimeSpan.FromSeconds(180 + 3 * scenarios + 1.0 * steps);
        using (var p = Process.Start(psi) ?? throw new CliUserError($"could not start qemu-system-aarch64: {SetupHint}"))
        {
            p.StandardInput.Close();
            p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
            p.BeginOutputReadLine();
            p.BeginErrorReadLine();
            if (!p.WaitForExit(timeout))
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit();
                lock (output) File.WriteAllText(consoleLog, output.ToString());
                File.Delete(initrd);
                throw new DiffBootError($"the kernel did not finish within {timeout.TotalSeconds:0} s (console: {consoleLog})");
            }
            p.WaitForExit();
        }
        File.Delete(initrd);
        string text;
        lock (output) text = output.ToString();
        File.WriteAllText(consoleLog, text);
        return (RunnerLines(text, consoleLog), consoleLog);
    }

    /// <summary>The runner's lines of a console log saved by an earlier boot (<c>diff --console FILE</c>).</summary>
    public static IReadOnlyList<string> SavedLines(string consoleLog) => RunnerLines(File.ReadAllText(consoleLog), consoleLog);

    private static List<string> RunnerLines(string text, string consoleLog)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("@@ ", StringComparison.Ordinal)).Select(l => l[3..]).ToList();
        if (!lines.Contains("done"))
            throw new DiffBootError($"the kernel did not run the diff to its end (console: {consoleLog}): {LastLine(text)}");
        return lines;
    }

    /// <summary>The machine features from the boot's <c>@@ boot</c> and <c>@@ dmesg</c> lines.</summary>
    public static MachineFeatures Features(IReadOnlyList<string> lines)
    {
        var boot = lines.FirstOrDefault(l => l.StartsWith("boot ", StringComparison.Ordinal))?.Split(' ') ?? [];
        var dmesg = string.Join('\n', lines.Where(l => l.StartsWith("dmesg ", StringComparison.Ordinal)));
        var ipa = System.Text.RegularExpressions.Regex.Match(dmesg, @"IPA Size Limit: (\d+) bits");
        return new MachineFeatures(
            boot.Length > 1 ? boot[1] : "unknown",
            dmesg.Contains("Stage-2 Force Write-Back", StringComparison.Ordinal),
            dmesg.Contains("Data cache clean to the PoU not required for I/D coherence", StringComparison.Ordinal),
            dmesg.Contains("Instruction cache invalidation not required for I/D coherence", StringComparison.Ordinal),
            dmesg.Contains("Hardware dirty bit management", StringComparison.Ordinal),
            ipa.Success ? int.Parse(ipa.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 40);
    }

    /// <summary>Each scenario's lines, in the order the runner ran them.</summary>
    public static List<List<string>> Scenarios(IReadOnlyList<string> lines)
    {
        var result = new List<List<string>>();
        List<string>? current = null;
        foreach (var l in lines)
        {
            if (l.StartsWith("scenario ", StringComparison.Ordinal)) result.Add(current = []);
            else if (l.StartsWith("end ", StringComparison.Ordinal)) current = null;
            else current?.Add(l);
        }
        return result;
    }

    private static string LastLine(string text) =>
        text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "no output";

    private static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, exe)).FirstOrDefault(File.Exists);

    /// <summary>The release in the image's <c>Linux version X</c> banner (a gzip'd Image is unpacked first).</summary>
    private static KernelVersion? VersionInImage(string image)
    {
        byte[] bytes = File.ReadAllBytes(image);
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            gz.CopyTo(ms);
            bytes = ms.ToArray();
        }
        var marker = "Linux version "u8;
        var at = bytes.AsSpan().IndexOf(marker);
        if (at < 0) return null;
        var end = at + marker.Length;
        while (end < bytes.Length && bytes[end] > 32 && end - at < 80) end++;
        return KernelVersion.Parse(Encoding.ASCII.GetString(bytes, at + marker.Length, end - at - marker.Length));
    }
}

/// <summary>The boot or the runner failed: reported as one line, exit 2.</summary>
internal sealed class DiffBootError(string message) : Exception(message);
