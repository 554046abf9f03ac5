namespace ActorKvm.Stress.Cli;

/// <summary>Exit codes of the contract.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;

    /// <summary>Stopped by Ctrl-C before its budget was spent (<c>hunt</c>): 128 + SIGINT, as a shell reports it.</summary>
    public const int Interrupted = 130;
}
