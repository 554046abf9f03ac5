namespace ActorKvm.Stress.Cli;

/// <summary>Exit codes of the contract.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
}
