using System.Diagnostics;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Tests.Cli;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Defects 11 and 18 and the file-system minor items: FIFOs and devices are refused (never opened), reads are bounded,
/// an unreadable directory is one failed entry and the rest still checked, a symbolic-link loop ends, an empty
/// directory is an error.
/// </summary>
public sealed class InputFileTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    internal static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [Fact(Timeout = 30000)]
    public async Task FifoGivenToCheck_IsRefused_NotWaitedOn()
    {
        var fifo = Path.Combine(_cli.Root, "s.hocon");
        MakeFifo(fifo);
        var (code, stdout, _) = await Task.Run(() => _cli.Run("check", fifo));
        Assert.Equal(2, code);
        Assert.Contains($"FAIL {fifo}: is a FIFO, not a regular file", stdout);
    }

    [Fact(Timeout = 30000)]
    public async Task FifoInsideACheckedDirectory_IsAFailedEntry_AndTheOthersRun()
    {
        _cli.Write("scenarios/a.hocon", "name = pass-a");
        MakeFifo(Path.Combine(_cli.Root, "scenarios", "b.hocon"));
        var (code, stdout, _) = await Task.Run(() => _cli.Run("check", Path.Combine(_cli.Root, "scenarios")));
        Assert.Equal(2, code);
        Assert.Contains("PASS pass-a", stdout);
        Assert.Contains("is a FIFO, not a regular file", stdout);
    }

    [Theory(Timeout = 30000)]
    [InlineData("check")]
    [InlineData("run")]
    public async Task DevZero_IsRefused_NotReadForever(string verb)
    {
        var (code, stdout, stderr) = await Task.Run(() => _cli.Run(verb, "/dev/zero"));
        Assert.Equal(2, code);
        Assert.Contains("/dev/zero: is a character device, not a regular file", stdout + stderr);
    }

    [Fact]
    public void HugeFile_IsRefusedBySize()
    {
        var path = Path.Combine(_cli.Root, "big.hocon");
        using (var f = File.Create(path)) f.SetLength(InputFiles.MaxBytes + 1L);
        Assert.Equal("larger than 16 MiB", ScenarioLoader.LoadFile(path).Error!.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task SymlinkLoop_IsEnteredOnce()
    {
        _cli.Write("scenarios/sub/a.hocon", "name = pass-a");
        File.CreateSymbolicLink(Path.Combine(_cli.Root, "scenarios", "sub", "loop"), Path.Combine(_cli.Root, "scenarios"));
        var (code, stdout, _) = await Task.Run(() => _cli.Run("check", Path.Combine(_cli.Root, "scenarios")));
        Assert.Equal(0, code);
        Assert.Contains("1 passed, 0 failed", stdout);
    }

    [Fact]
    public void EmptyDirectory_IsAnError()
    {
        Directory.CreateDirectory(Path.Combine(_cli.Root, "empty"));
        var (code, stdout, _) = _cli.Run("check", Path.Combine(_cli.Root, "empty"));
        Assert.Equal(2, code);
        Assert.Contains("no scenario files", stdout);
    }

    [Fact(Timeout = 60000)]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task UnreadableSubdirectory_IsAFailedEntry_AndTheOthersAreChecked()
    {
        // Root reads anything, so as root the program runs as 'nobody' (setpriv); as anyone else, as itself.
        File.SetUnixFileMode(_cli.Root, (UnixFileMode)0x1ED); // 755: 'nobody' traverses the temp root
        _cli.Write("scenarios/a.hocon", "name = a");
        var locked = Path.Combine(_cli.Root, "scenarios", "locked");
        Directory.CreateDirectory(locked);
        File.WriteAllText(Path.Combine(locked, "b.hocon"), "name = b");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        var asNobody = Environment.UserName == "root" ? "setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp " : "";
        var (code, stdout, stderr) = await Task.Run(() => ProcessCli.Shell($"{asNobody}\"$ACTORKVM\" check {ProcessCli.Q(Path.Combine(_cli.Root, "scenarios"))}"));
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.True(code == 2, stdout + stderr);
        Assert.Contains("PASS a", stdout);
        Assert.Contains($"FAIL {locked}: cannot read directory: ", stdout);
        Assert.Contains("1 passed, 1 failed", stdout);
    }
}
