using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Output;

/// <summary>The output of <c>bugs</c>. The catalog holds names only for now; fix and rule columns come with it.</summary>
internal static class BugListing
{
    public static void Write(IReadOnlyList<string> names, CliIo io, bool json)
    {
        var human = io.Human(json);
        human.WriteLine("NAME");
        foreach (var n in names) human.WriteLine(n);
        human.WriteLine($"{names.Count} bug switch{(names.Count == 1 ? "" : "es")}");
        if (json) JsonOut.Write(io.Out, w =>
        {
            w.WriteStartArray("bugs");
            foreach (var n in names)
            {
                w.WriteStartObject();
                w.WriteString("name", n);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }
}
