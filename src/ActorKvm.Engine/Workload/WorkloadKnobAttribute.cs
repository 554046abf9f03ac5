namespace ActorKvm.Engine.Workload;

/// <summary>
/// Declares a <see cref="WorkloadOptions"/> member (<c>bool</c>, <c>int</c> or <c>long</c>) a command-line knob, beside
/// the member: the CLI derives the option, its default per verb, the binding, a scenario's refusal and the reproduction
/// command's spelling from this alone; the schedule header's key is the member's name in snake_case.
/// </summary>
/// <param name="option">The option's name, <c>--kebab-case</c>.</param>
/// <param name="description">The help line.</param>
/// <param name="hunt">Also taken by <c>hunt</c> and <c>replay</c> (over the race mix's value), not only by <c>run</c>.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class WorkloadKnobAttribute(string option, string description, bool hunt = false) : Attribute
{
    /// <summary>The option's name, <c>--kebab-case</c>.</summary>
    public string Option => option;

    /// <summary>The help line.</summary>
    public string Description => description;

    /// <summary>Also taken by <c>hunt</c> and <c>replay</c>.</summary>
    public bool Hunt => hunt;
}
