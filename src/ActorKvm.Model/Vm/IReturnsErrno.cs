using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Vm;

/// <summary>An activity that ends as a syscall or ioctl does, with an errno (what a scenario's <c>result</c> key compares).</summary>
public interface IReturnsErrno
{
    /// <summary>The errno it returned (<see cref="Errno.Ok"/> on success).</summary>
    Errno Result { get; }
}
