using System.Text.Json;
using ActorKvm.Cluster.Coordination;

namespace ActorKvm.Stress.Output;

/// <summary>The per-node and bookkeeping figures a cluster hunt adds to the hunt's JSON object.</summary>
internal static class ClusterReport
{
    public static void WriteJson(Utf8JsonWriter w, IReadOnlyList<NodeFigures> nodes, IReadOnlyList<TargetFigures> targets)
    {
        w.WriteStartArray("nodes");
        foreach (var n in nodes)
        {
            w.WriteStartObject();
            w.WriteString("node", n.Node);
            w.WriteNumber("lanes", n.Lanes);
            w.WriteNumber("schedules", n.Schedules);
            w.WriteNumber("ranges", n.Ranges);
            w.WriteNumber("lane_seconds", n.LaneSeconds);
            w.WriteNumber("schedules_per_lane_second", n.LaneSeconds > 0 ? n.Schedules / n.LaneSeconds : 0);
            if (n.Lost is not null) w.WriteString("lost", n.Lost);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("ranges");
        foreach (var t in targets)
        {
            w.WriteStartObject();
            w.WriteNumber("issued", t.Issued);
            w.WriteNumber("reissued", t.Reissued);
            w.WriteNumber("duplicate_schedules", t.Duplicates);
            w.WriteStartArray("explored");
            foreach (var r in t.ExploredRanges)
            {
                w.WriteStartArray();
                w.WriteNumberValue(r.First);
                w.WriteNumberValue(r.End);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
