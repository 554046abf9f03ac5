namespace ActorKvm.Model.Arch;

/// <summary>Kernel error numbers the model returns, with their Linux values.</summary>
public enum Errno
{
    /// <summary>Success.</summary>
    Ok = 0,
    /// <summary>-ENOENT.</summary>
    ENOENT = 2,
    /// <summary>-EINTR.</summary>
    EINTR = 4,
    /// <summary>-EIO.</summary>
    EIO = 5,
    /// <summary>-E2BIG.</summary>
    E2BIG = 7,
    /// <summary>-ENOEXEC.</summary>
    ENOEXEC = 8,
    /// <summary>-EAGAIN.</summary>
    EAGAIN = 11,
    /// <summary>-ENOMEM.</summary>
    ENOMEM = 12,
    /// <summary>-EFAULT.</summary>
    EFAULT = 14,
    /// <summary>-EBUSY.</summary>
    EBUSY = 16,
    /// <summary>-EEXIST.</summary>
    EEXIST = 17,
    /// <summary>-ENXIO.</summary>
    ENXIO = 6,
    /// <summary>-ERANGE.</summary>
    ERANGE = 34,
    /// <summary>-EINVAL.</summary>
    EINVAL = 22,
    /// <summary>-ENOSYS.</summary>
    ENOSYS = 38,
    /// <summary>-EOPNOTSUPP.</summary>
    EOPNOTSUPP = 95,
    /// <summary>-EHWPOISON.</summary>
    EHWPOISON = 133,
}

/// <summary>Helpers for <see cref="Errno"/>.</summary>
public static class ErrnoExtensions
{
    /// <summary>The lower-case name scenario files use ("efault", "ok").</summary>
    public static string ToScenarioName(this Errno e) => e == Errno.Ok ? "ok" : e.ToString().ToLowerInvariant();
}
