using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Ledger;

namespace Tollgate.Analytics;

/// <summary>
/// The JSON forms of <see cref="Trend"/> and <see cref="UsagePatterns"/> (CLI <c>--json</c> and the admin API alike):
/// money and series values as decimal strings, never JSON numbers; statistics (z, p) as numbers.
/// </summary>
public static class AnalyticsJson
{
    public static string Serialize(Trend trend, TrendQuery query, string currency = "USD") => Write(w =>
    {
        ArgumentNullException.ThrowIfNull(trend);
        ArgumentNullException.ThrowIfNull(query);
        w.WriteString("bucket", query.Bucket.ToString().ToLowerInvariant());
        w.WriteString("time_zone", query.TimeZone.Id);
        w.WriteString("metric", query.Metric.ToString().ToLowerInvariant());
        w.WriteString("total", Money.Format(trend.Total.Cost));
        w.WriteNumber("requests", trend.Total.Requests);
        w.WriteString("currency", currency);
        w.WriteString("direction", trend.Direction.ToString().ToLowerInvariant());
        w.WriteString("slope_per_bucket", Format(trend.SlopePerBucket));
        w.WriteNumber("mann_kendall_z", Math.Round(trend.MannKendallZ, 4));
        w.WriteNumber("p_value", Math.Round(trend.PValue, 4));
        w.WriteBoolean("significant", trend.Significant);
        w.WriteNumber("moving_average_window", query.MovingAverageWindow);
        w.WriteStartArray("points");
        foreach (var p in trend.Points)
        {
            w.WriteStartObject();
            w.WriteString("label", p.Label);
            w.WriteString("start", p.Start.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture));
            w.WriteString("value", Format(p.Value));
            w.WriteString("cost", Money.Format(p.Metrics.Cost));
            w.WriteNumber("requests", p.Metrics.Requests);
            WriteNullable(w, "change", p.Change);
            if (p.ChangePercent is { } pct)
            {
                w.WriteNumber("change_percent", pct);
            }
            else
            {
                w.WriteNull("change_percent");
            }

            WriteNullable(w, "moving_average", p.MovingAverage);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    public static string Serialize(UsagePatterns patterns, TimeZoneInfo zone, string currency = "USD") => Write(w =>
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(zone);
        w.WriteString("time_zone", zone.Id);
        w.WriteString("total", Money.Format(patterns.Total.Cost));
        w.WriteNumber("requests", patterns.Total.Requests);
        w.WriteString("currency", currency);
        Sums(w, "weekdays", patterns.Weekdays);
        Sums(w, "weekend", patterns.Weekend);
        w.WriteStartArray("peak_hours");
        foreach (var h in patterns.PeakHours)
        {
            w.WriteNumberValue(h);
        }

        w.WriteEndArray();
        w.WriteStartArray("by_hour");
        for (var h = 0; h < patterns.ByHourOfDay.Count; h++)
        {
            Sums(w, null, patterns.ByHourOfDay[h], ("hour", h));
        }

        w.WriteEndArray();
        w.WriteStartArray("by_weekday");
        foreach (var (day, m) in patterns.ByWeekday)
        {
            Sums(w, null, m, day: day);
        }

        w.WriteEndArray();
        w.WriteStartArray("cells");
        foreach (var c in patterns.Cells.Where(c => c.Metrics.Requests > 0))
        {
            Sums(w, null, c.Metrics, ("hour", c.Hour), c.Day);
        }

        w.WriteEndArray();
    });

    private static void Sums(Utf8JsonWriter w, string? name, LedgerMetrics m, (string Name, int Value)? extra = null, DayOfWeek? day = null)
    {
        if (name is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(name);
        }

        if (day is { } d)
        {
            w.WriteString("day", d.ToString().ToLowerInvariant());
        }

        if (extra is { } e)
        {
            w.WriteNumber(e.Name, e.Value);
        }

        w.WriteString("cost", Money.Format(m.Cost));
        w.WriteNumber("requests", m.Requests);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, Format(v));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static string Format(decimal value) => Money.Format(value);

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
