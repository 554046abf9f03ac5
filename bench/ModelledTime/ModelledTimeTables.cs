using ActorKvm.Engine;
using ActorKvm.Stress.Cli;
using ActorKvm.Timing.Paper;
using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace ActorKvm.Bench.ModelledTime;

/// <summary>
/// <c>--modelled-time-tables [DIR]</c>: reproduces the two published tables in modelled time (costs from akka.hocon,
/// calibrated from the 1-vCPU rows only), prints model ratio next to published ratio, and plots both as SVG in DIR
/// (default docs/): <c>modelled-time-parallel-faults.svg</c>, <c>modelled-time-eager-split.svg</c>.
/// </summary>
public static class ModelledTimeTables
{
    public static void Run(string dir)
    {
        var costs = ModelledTimeConfig.Costs(EngineConfig.Load());
        Directory.CreateDirectory(dir);
        var pf = Reproductions.ParallelFaults(costs, Reproductions.ParallelFaultsDefaultBytes, [1, 2, 4, 8, 16, 24, 32, 48], progress: Console.Error.WriteLine);
        Reproductions.Write(Console.Out, pf);
        Plot(pf, Path.Combine(dir, "modelled-time-parallel-faults.svg"), "Parallel stage-2 faults: write-side / read-side mmu_lock time");
        var es = Reproductions.EagerSplit(costs, Reproductions.EagerSplitDefaultBytes, [1, 4, 16, 32, 64, 96, 128, 152], progress: Console.Error.WriteLine);
        Reproductions.Write(Console.Out, es);
        Plot(es, Path.Combine(dir, "modelled-time-eager-split.svg"), "Eager split: per-pass time without / with");
    }

    private static void Plot(Reproduction r, string path, string title)
    {
        var model = new PlotModel { Title = title, Subtitle = "before/after ratio; model calibrated from the 1-vCPU rows only", Background = OxyColors.White };
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = "vCPUs", Minimum = 0 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = "before / after", Minimum = 0 });
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.TopLeft });
        var colors = new[] { OxyColors.SteelBlue, OxyColors.IndianRed };
        var i = 0;
        foreach (var q in r.Rows.Select(x => x.Quantity).Distinct())
        {
            var color = colors[i++ % colors.Length];
            var published = new LineSeries { Title = $"{q}: published", Color = color, MarkerType = MarkerType.Circle, LineStyle = LineStyle.Solid };
            var modelled = new LineSeries { Title = $"{q}: model", Color = color, MarkerType = MarkerType.Square, LineStyle = LineStyle.Dash };
            foreach (var x in r.Rows.Where(x => x.Quantity == q))
            {
                if (x.Published is { } p) published.Points.Add(new DataPoint(x.Vcpus, p.Ratio));
                modelled.Points.Add(new DataPoint(x.Vcpus, x.ModelRatio));
            }
            model.Series.Add(published);
            model.Series.Add(modelled);
        }
        using var f = File.Create(path);
        new SvgExporter { Width = 720, Height = 420 }.Export(model, f);
        Console.Error.WriteLine($"wrote {path}");
    }
}
