using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Ledger;

/// <summary>
/// The one JSON form of <see cref="CostReport"/> (CLI <c>cost --json</c> and the gateway admin report):
/// money as decimal strings, never JSON numbers, so no client parses it into a float.
/// </summary>
public static class CostReportJson
{
    public static void Write(Utf8JsonWriter writer, CostReport report)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(report);
        writer.WriteStartObject();
        writer.WriteString("total", Money.Format(report.Total));
        writer.WriteString("currency", report.Currency);
        if (report.PreviousTotal is { } previousTotal)
        {
            writer.WriteString("previous_total", Money.Format(previousTotal));
            WriteChange(writer, report.ChangePercent);
        }

        writer.WriteStartArray("groups");
        foreach (var g in report.Groups)
        {
            writer.WriteStartObject();
            writer.WriteString("key", g.Key);
            writer.WriteString("cost", Money.Format(g.Cost));
            writer.WriteNumber("requests", g.Requests);
            writer.WriteNumber("input_tokens", g.InputTokens);
            writer.WriteNumber("output_tokens", g.OutputTokens);
            writer.WriteNumber("cached_tokens", g.CachedTokens);
            writer.WriteNumber("reasoning_tokens", g.ReasoningTokens);
            writer.WriteNumber("share_percent", g.SharePercent);
            writer.WriteNumber("success_rate", g.SuccessRate);
            writer.WriteString("avg_cost_per_request", Money.Format(g.AverageCostPerRequest));
            writer.WriteString("cost_per_1k_tokens", Money.Format(g.CostPer1kTokens));
            writer.WriteNumber("output_input_ratio", g.OutputInputRatio);
            writer.WriteNumber("cache_read_share", g.CacheReadShare);
            writer.WriteNumber("reasoning_share", g.ReasoningShare);
            if (g.PreviousCost is { } previousCost)
            {
                writer.WriteString("previous_cost", Money.Format(previousCost));
                WriteChange(writer, g.ChangePercent);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteChange(Utf8JsonWriter writer, decimal? changePercent)
    {
        if (changePercent is { } change)
        {
            writer.WriteNumber("change_percent", change);
        }
        else
        {
            writer.WriteNull("change_percent");
        }
    }

    public static string Serialize(CostReport report, bool indented = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            Write(writer, report);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Parses the JSON form back (for clients and tests); throws <see cref="FormatException"/> on a wrong shape.</summary>
    public static CostReport Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var groups = new List<CostReportGroup>();
        foreach (var g in root.GetProperty("groups").EnumerateArray())
        {
            groups.Add(new CostReportGroup(
                g.GetProperty("key").GetString() ?? throw new FormatException("group key is null"),
                ParseMoney(g.GetProperty("cost")),
                g.GetProperty("requests").GetInt64(),
                g.GetProperty("input_tokens").GetInt64(),
                g.GetProperty("output_tokens").GetInt64())
            {
                CachedTokens = g.TryGetProperty("cached_tokens", out var cached) ? cached.GetInt64() : 0,
                ReasoningTokens = g.TryGetProperty("reasoning_tokens", out var reasoning) ? reasoning.GetInt64() : 0,
                SharePercent = g.TryGetProperty("share_percent", out var share) ? share.GetDecimal() : 0,
                SuccessRate = g.TryGetProperty("success_rate", out var rate) ? rate.GetDecimal() : 0,
                AverageCostPerRequest = g.TryGetProperty("avg_cost_per_request", out var avg) ? ParseMoney(avg) : 0,
                CostPer1kTokens = g.TryGetProperty("cost_per_1k_tokens", out var per1k) ? ParseMoney(per1k) : 0,
                OutputInputRatio = g.TryGetProperty("output_input_ratio", out var outIn) ? outIn.GetDecimal() : 0,
                CacheReadShare = g.TryGetProperty("cache_read_share", out var cacheRead) ? cacheRead.GetDecimal() : 0,
                ReasoningShare = g.TryGetProperty("reasoning_share", out var reasoningShare) ? reasoningShare.GetDecimal() : 0,
                PreviousCost = g.TryGetProperty("previous_cost", out var previous) ? ParseMoney(previous) : null,
                ChangePercent = g.TryGetProperty("change_percent", out var groupChange) && groupChange.ValueKind == JsonValueKind.Number ? groupChange.GetDecimal() : null,
            });
        }

        return new CostReport(ParseMoney(root.GetProperty("total")), root.GetProperty("currency").GetString() ?? "USD", groups)
        {
            PreviousTotal = root.TryGetProperty("previous_total", out var previousTotal) ? ParseMoney(previousTotal) : null,
            ChangePercent = root.TryGetProperty("change_percent", out var change) && change.ValueKind == JsonValueKind.Number ? change.GetDecimal() : null,
        };
    }

    private static decimal ParseMoney(JsonElement element) =>
        decimal.Parse(element.GetString() ?? throw new FormatException("money must be a decimal string"), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
}
