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

    /// <summary>
    /// A <see cref="Comparison"/>: per row the sums, success rate, latency p50/p95 (ms, null without successful calls),
    /// cost per request, per 1k tokens and per 1k output tokens, token efficiency ratios, cache savings and the efficiency score.
    /// </summary>
    public static string Serialize(Comparison comparison, BreakdownQuery query) => Write(w =>
    {
        ArgumentNullException.ThrowIfNull(comparison);
        ArgumentNullException.ThrowIfNull(query);
        w.WriteString("by", query.By.ToString());
        w.WriteString("total", Money.Format(comparison.Total.Cost));
        w.WriteNumber("requests", comparison.Total.Requests);
        w.WriteString("currency", comparison.Currency);
        if (comparison.Note is { } note)
        {
            w.WriteString("note", note);
        }

        if (comparison.CacheSavings is { } total)
        {
            Savings(w, total);
        }

        w.WriteStartArray("rows");
        foreach (var r in comparison.Rows)
        {
            var m = r.Metrics;
            w.WriteStartObject();
            w.WriteString("key", r.Key);
            w.WriteString("cost", Money.Format(m.Cost));
            w.WriteNumber("share_percent", UsageRatios.SharePercent(m, comparison.Total));
            w.WriteNumber("requests", m.Requests);
            w.WriteNumber("success_rate", UsageRatios.SuccessRate(m));
            WriteNullableNumber(w, "latency_p50_ms", r.LatencyP50Ms);
            WriteNullableNumber(w, "latency_p95_ms", r.LatencyP95Ms);
            w.WriteNumber("input_tokens", m.InputTokens);
            w.WriteNumber("cached_tokens", m.CacheReadTokens);
            w.WriteNumber("cache_write_tokens", m.CacheWriteTokens);
            w.WriteNumber("output_tokens", m.OutputTokens);
            w.WriteNumber("reasoning_tokens", m.ReasoningTokens);
            w.WriteString("avg_cost_per_request", Money.Format(UsageRatios.AverageCostPerRequest(m)));
            w.WriteString("cost_per_1k_tokens", Money.Format(UsageRatios.CostPer1kTokens(m)));
            w.WriteString("cost_per_1k_output_tokens", Money.Format(UsageRatios.CostPer1kOutputTokens(m)));
            w.WriteNumber("output_input_ratio", UsageRatios.OutputInputRatio(m));
            w.WriteNumber("reasoning_share", UsageRatios.ReasoningShare(m));
            w.WriteNumber("cache_hit_rate", UsageRatios.CacheReadShare(m));
            if (r.CacheSavings is { } savings)
            {
                Savings(w, savings);
            }

            w.WriteNumber("efficiency_score", r.EfficiencyScore);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    private static void Savings(Utf8JsonWriter w, CacheSavings s)
    {
        w.WriteStartObject("cache_savings");
        w.WriteString("net", Money.Format(s.Net));
        w.WriteString("read_discount", Money.Format(s.ReadSavings));
        w.WriteString("write_premium", Money.Format(s.WritePremium));
        w.WriteString("write_premium_5m", Money.Format(s.WritePremium5m));
        w.WriteString("write_premium_1h", Money.Format(s.WritePremium1h));
        w.WriteNumber("records", s.Records);
        w.WriteNumber("records_not_repriced", s.SkippedRecords);
        w.WriteEndObject();
    }

    private static void WriteNullableNumber(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

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
