using System.Text.Json.Serialization;

namespace ActorKvm.Stress.Output.Json;

/// <summary>
/// The <c>--json</c> objects of every verb, serialized by System.Text.Json source generation: member
/// names in snake_case in declaration order, a null member left out (the few written as null say so). Users' scripts
/// read these names; <c>JsonShapeTests</c> pins every object's shape.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(SweepSummary))]
[JsonSerializable(typeof(ScenarioRunSummary))]
[JsonSerializable(typeof(HuntSummary))]
[JsonSerializable(typeof(ScenarioHuntSummary))]
[JsonSerializable(typeof(CheckSummary))]
[JsonSerializable(typeof(ReplaySummary))]
[JsonSerializable(typeof(CompareSummary))]
[JsonSerializable(typeof(ModelledCompareSummary))]
[JsonSerializable(typeof(ModelledRunSummary))]
[JsonSerializable(typeof(DirtyLogPerfSummary))]
[JsonSerializable(typeof(PaperSummary))]
[JsonSerializable(typeof(VariantsSummary))]
[JsonSerializable(typeof(BugsSummary))]
[JsonSerializable(typeof(ScenariosSummary))]
[JsonSerializable(typeof(DiffSummary))]
[JsonSerializable(typeof(WorkerSummary))]
internal sealed partial class SummaryJson : JsonSerializerContext;
