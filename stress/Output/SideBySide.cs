namespace ActorKvm.Stress.Output;

/// <summary>The table of <c>compare</c> (stress and modelled time alike): one figure a row, the baseline's column right-aligned under its label, the variant's after it.</summary>
internal static class SideBySide
{
    public static void Write(TextWriter human, string baseLabel, string label, IReadOnlyList<(string What, string Base, string Variant)> rows)
    {
        var w0 = rows.Max(x => x.What.Length);
        var w1 = Math.Max(baseLabel.Length, rows.Max(x => x.Base.Length));
        human.WriteLine($"  {"".PadRight(w0)}  {baseLabel.PadLeft(w1)}  {label}");
        foreach (var (what, bs, vs) in rows) human.WriteLine($"  {what.PadRight(w0)}  {bs.PadLeft(w1)}  {vs}");
    }
}
