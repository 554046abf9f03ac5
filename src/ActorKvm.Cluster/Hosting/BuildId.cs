using System.Security.Cryptography;
using System.Text;

namespace ActorKvm.Cluster.Hosting;

/// <summary>
/// What a worker must share with the coordinator to explore the same schedules: the model, the engine and this
/// protocol, identified by their assemblies' module version ids (deterministic builds give equal ids for equal
/// sources and compiler), folded into 12 hex digits.
/// </summary>
public static class BuildId
{
    /// <summary>This process's build id.</summary>
    public static string Current { get; } = Compute();

    private static string Compute()
    {
        var ids = new[] { typeof(Model.Vm.PhaseCoverage), typeof(Engine.Exploration.Hunter), typeof(BuildId) }
            .Select(t => t.Assembly.ManifestModule.ModuleVersionId.ToString("N"));
        return Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(string.Join(',', ids))))[..12].ToLowerInvariant();
    }
}
