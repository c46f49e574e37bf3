using System.Globalization;
using System.Net;
using System.Text;
using Tollgate.Analytics;
using Tollgate.Costing;

namespace Tollgate.Reports;

/// <summary>
/// The report's charts as inline SVG: readable without JavaScript, printable, and without colour (values are written
/// as text or in each mark's <c>title</c>, and shades run from light to dark).
/// </summary>
internal static class SvgCharts
{
    private const string Ink = "#1f2937";
    private const string Bar = "#2563eb";
    private const string Muted = "#6b7280";

    /// <summary>Cost per bucket as bars, the moving average as a line, the largest value and the range's ends on the axes.</summary>
    public static string Trend(Trend trend, string currency, string title)
    {
        const int width = 760, height = 260, left = 64, right = 12, top = 28, bottom = 40;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var points = trend.Points;
        var max = points.Count == 0 ? 0 : points.Max(p => Math.Max(p.Value, p.MovingAverage ?? 0));
        var svg = Open(width, height, title);
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"16\" font-size=\"13\" fill=\"{Ink}\">{Escape(title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"{Muted}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + 4}\" font-size=\"11\" text-anchor=\"end\" fill=\"{Muted}\">{Escape(Money.Format(max))}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{top + plotH}\" font-size=\"11\" text-anchor=\"end\" fill=\"{Muted}\">0</text>");
        if (points.Count > 0)
        {
            var step = (double)plotW / points.Count;
            var line = new StringBuilder();
            for (var i = 0; i < points.Count; i++)
            {
                var p = points[i];
                var h = max == 0 ? 0 : (double)(p.Value / max) * plotH;
                var x = left + (i * step);
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{x + (step * 0.1):0.##}\" y=\"{top + plotH - h:0.##}\" width=\"{Math.Max(1, step * 0.8):0.##}\" height=\"{h:0.##}\" fill=\"{Bar}\"><title>{Escape(p.Label)}: {Escape(Money.Format(p.Value))} {currency}, {p.Metrics.Requests:N0} requests</title></rect>");
                if (p.MovingAverage is { } average && max > 0)
                {
                    line.Append(CultureInfo.InvariantCulture, $"{x + (step / 2):0.##},{top + plotH - ((double)(average / max) * plotH):0.##} ");
                }
            }

            if (line.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{line.ToString().TrimEnd()}\" fill=\"none\" stroke=\"{Ink}\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"><title>moving average</title></polyline>");
            }

            foreach (var (i, anchor) in new[] { (0, "start"), (points.Count / 2, "middle"), (points.Count - 1, "end") }.DistinctBy(x => x.Item1))
            {
                var x = anchor switch { "start" => left + (i * step), "end" => left + ((i + 1) * step), _ => left + (i * step) + (step / 2) };
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{x:0.##}\" y=\"{height - 20}\" font-size=\"11\" text-anchor=\"{anchor}\" fill=\"{Muted}\">{Escape(points[i].Label)}</text>");
            }
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{height - 4}\" font-size=\"11\" fill=\"{Muted}\">bars: cost per bucket in {currency}; dashed line: moving average</text>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Each group's share of the cost as a horizontal bar, with the amount and share written beside it.</summary>
    public static string Shares(Breakdown breakdown, string currency, string title)
    {
        const int width = 760, rowH = 22, left = 180, right = 170, top = 24;
        var height = top + (Math.Max(1, breakdown.Rows.Count) * rowH) + 8;
        var plotW = width - left - right;
        var max = breakdown.Rows.Count == 0 ? 0 : breakdown.Rows.Max(r => r.Metrics.CostNanos);
        var svg = Open(width, height, title);
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"16\" font-size=\"13\" fill=\"{Ink}\">{Escape(title)}</text>");
        for (var i = 0; i < breakdown.Rows.Count; i++)
        {
            var r = breakdown.Rows[i];
            var y = top + (i * rowH);
            var w = max == 0 ? 0 : (double)r.Metrics.CostNanos / max * plotW;
            var share = UsageRatios.SharePercent(r.Metrics, breakdown.Total);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 8}\" y=\"{y + 15}\" font-size=\"12\" text-anchor=\"end\" fill=\"{Ink}\">{Escape(Truncate(r.Key, 26))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y + 4}\" width=\"{w:0.##}\" height=\"{rowH - 8}\" fill=\"{Bar}\"><title>{Escape(r.Key)}: {Escape(Money.Format(r.Metrics.Cost))} {currency} ({share:0.00} %)</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + w + 6:0.##}\" y=\"{y + 15}\" font-size=\"12\" fill=\"{Ink}\">{Escape(Money.Format(r.Metrics.Cost))} ({share:0.0} %)</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Cost per weekday × local hour as shades from white to dark (the amount in each cell's title), Monday first.</summary>
    public static string Heatmap(UsagePatterns patterns, string currency, string title)
    {
        const int cell = 26, left = 44, top = 34;
        var width = left + (24 * cell) + 8;
        var height = top + (7 * cell) + 8;
        var max = patterns.Cells.Count == 0 ? 0 : patterns.Cells.Max(c => c.Metrics.CostNanos);
        var svg = Open(width, height, title);
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"14\" font-size=\"13\" fill=\"{Ink}\">{Escape(title)}</text>");
        for (var h = 0; h < 24; h += 3)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (h * cell) + (cell / 2)}\" y=\"{top - 6}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{Muted}\">{h:00}</text>");
        }

        var days = patterns.Cells.Select(c => c.Day).Distinct().ToList();
        for (var d = 0; d < days.Count; d++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{top + (d * cell) + 17}\" font-size=\"11\" fill=\"{Ink}\">{days[d].ToString()[..3]}</text>");
        }

        foreach (var c in patterns.Cells)
        {
            var d = days.IndexOf(c.Day);
            var level = max == 0 ? 0 : (double)c.Metrics.CostNanos / max;
            var shade = (int)Math.Round(255 - (level * 215));
            svg.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{left + (c.Hour * cell)}\" y=\"{top + (d * cell)}\" width=\"{cell - 2}\" height=\"{cell - 2}\" fill=\"rgb({shade},{shade},{Math.Min(255, shade + 20)})\" stroke=\"#e5e7eb\"><title>{c.Day} {c.Hour:00}:00: {Escape(Money.Format(c.Metrics.Cost))} {currency}, {c.Metrics.Requests:N0} requests</title></rect>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Open(int width, int height, string title) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"100%\" role=\"img\" aria-label=\"{Escape(title)}\" font-family=\"system-ui, sans-serif\">")
        .Append(CultureInfo.InvariantCulture, $"<title>{Escape(title)}</title>");

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    internal static string Escape(string text) => WebUtility.HtmlEncode(text);
}
