using System.Text;
using Tollgate.Costing;

namespace Tollgate.Ledger;

/// <summary>CSV export (RFC 4180): the JSON-lines fields as columns; tags and extra usage units as JSON text.</summary>
public static class LedgerCsv
{
    public const string Header =
        "request_id,attempt,timestamp,provider,model,api_flavor,tenant,project,user,key_id,session_id,tags," +
        "input_tokens,cache_read_tokens,cache_write_tokens,output_tokens,reasoning_tokens,usage,cost_usd," +
        "input_cost_usd,output_cost_usd,currency,price_source,latency_ms,success,error_class,estimated,unpriced," +
        "request_fingerprint,prefix_fingerprint,prefix_tokens";

    public static string FormatRow(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var u = record.Usage;
        var sb = new StringBuilder(256);
        Append(sb, record.RequestId).Append(',').Append(record.Attempt).Append(',')
            .Append(LedgerJsonLines.FormatTimestamp(record.Timestamp)).Append(',');
        Append(sb, record.Provider).Append(',');
        Append(sb, record.Model).Append(',');
        Append(sb, record.ApiFlavor).Append(',');
        Append(sb, record.Tenant).Append(',');
        Append(sb, record.Project).Append(',');
        Append(sb, record.User).Append(',');
        Append(sb, record.KeyId).Append(',');
        Append(sb, record.SessionId).Append(',');
        Append(sb, record.Tags.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(record.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary())).Append(',');
        sb.Append(u.InputTokens).Append(',').Append(u.CacheReadTokens).Append(',').Append(u.CacheWriteTokens).Append(',')
            .Append(u.OutputTokens).Append(',').Append(u.ReasoningTokens).Append(',');
        Append(sb, ExtraUsage(u)).Append(',');
        sb.Append(Money.Format(record.TotalCost)).Append(',').Append(Money.Format(record.InputCost)).Append(',')
            .Append(Money.Format(record.OutputCost)).Append(',');
        Append(sb, record.Currency).Append(',');
        Append(sb, record.PriceSource).Append(',');
        sb.Append(record.LatencyMs).Append(',').Append(record.Success ? "true" : "false").Append(',');
        Append(sb, record.ErrorClass).Append(',');
        sb.Append(record.Estimated ? "true" : "false").Append(',').Append(record.Unpriced ? "true" : "false").Append(',');
        Append(sb, record.RequestFingerprint).Append(',');
        Append(sb, record.PrefixFingerprint).Append(',');
        sb.Append(record.PrefixTokens);
        return sb.ToString();
    }

    private static string? ExtraUsage(Usage usage)
    {
        var extra = usage.NonZero()
            .Where(p => p.Key is not (UsageUnit.InputTokens or UsageUnit.CacheReadTokens or UsageUnit.CacheWriteTokens
                or UsageUnit.OutputTokens or UsageUnit.OutputReasoningTokens))
            .ToDictionary(p => UsageUnitInfo.Of(p.Key).Key, p => p.Value);
        return extra.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(extra);
    }

    private static StringBuilder Append(StringBuilder sb, string? value)
    {
        if (value is null)
        {
            return sb;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            return sb.Append(value);
        }

        return sb.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }
}
