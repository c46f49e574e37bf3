using System.Text;
using System.Text.Json;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Forecasting;
using Tollgate.Ledger;

namespace Tollgate.Reports;

/// <summary>
/// A <see cref="SpendReport"/> as JSON: each part in the shape its own endpoint uses (trend, breakdowns in the
/// <see cref="CostReport"/> shape, the comparison, the patterns), money as decimal strings.
/// </summary>
public static class SpendReportJson
{
    public static string Serialize(SpendReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("from", report.From);
            w.WriteString("to", report.To);
            w.WriteString("time_zone", report.TimeZone.Id);
            w.WriteString("generated_at", report.GeneratedAt);
            w.WriteString("currency", report.Currency);
            w.WriteString("total", Money.Format(report.Total.Cost));
            w.WriteNumber("requests", report.Total.Requests);
            w.WritePropertyName("trend");
            w.WriteRawValue(AnalyticsJson.Serialize(report.Trend, report.TrendQuery, report.Currency));
            w.WriteStartObject("breakdowns");
            foreach (var (dimension, breakdown) in report.Breakdowns)
            {
                w.WritePropertyName(dimension);
                w.WriteRawValue(CostReportJson.Serialize(CostReport.From(breakdown)));
            }

            w.WriteEndObject();
            w.WritePropertyName("comparison");
            w.WriteRawValue(AnalyticsJson.Serialize(report.Comparison, report.ComparisonQuery));
            if (report.ComparisonNote is { } note)
            {
                w.WriteString("comparison_note", note);
            }

            w.WritePropertyName("patterns");
            w.WriteRawValue(AnalyticsJson.Serialize(report.Patterns, report.TimeZone, report.Currency));
            w.WriteStartArray("budgets");
            foreach (var s in report.Budgets)
            {
                w.WriteStartObject();
                w.WriteString("id", s.Budget.Id);
                w.WriteString("window", s.Window.Key);
                w.WriteString("currency", s.Budget.Currency);
                w.WriteString("limit", Money.Format(s.EffectiveLimit));
                w.WriteString("spent", Money.Format(s.Spent));
                w.WriteString("remaining", Money.Format(s.Remaining));
                w.WriteNumber("used", decimal.Round(s.UsedFraction, 4));
                w.WritePropertyName("run_out");
                JsonSerializer.Serialize(w, BudgetRunOutJson.View(report.RunOuts.GetValueOrDefault(s.Budget.Id)));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
