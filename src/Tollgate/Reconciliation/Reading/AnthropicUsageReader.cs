using System.Text.Json;

namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// Anthropic <c>GET /v1/organizations/usage_report/messages</c> pages: <c>data[]</c> buckets (<c>starting_at</c>,
/// <c>ending_at</c>, RFC 3339) of results with <c>uncached_input_tokens</c>, <c>cache_read_input_tokens</c>,
/// <c>cache_creation.ephemeral_5m_input_tokens</c> / <c>ephemeral_1h_input_tokens</c>, <c>output_tokens</c>,
/// <c>server_tool_use.web_search_requests</c>, <c>model</c> and <c>service_tier</c>.
/// </summary>
internal static class AnthropicUsageReader
{
    public static void Read(JsonElement page, string where, ExportSink sink)
    {
        var b = 0;
        foreach (var bucket in JsonFields.Array(page, "data", where).EnumerateArray())
        {
            b++;
            var at = $"{where} bucket {b}";
            var start = JsonFields.Timestamp(bucket, "starting_at", at);
            sink.Bucket(ExportFormat.AnthropicUsage, start);
            var r = 0;
            foreach (var result in JsonFields.Array(bucket, "results", at).EnumerateArray())
            {
                r++;
                sink.Result(ExportFormat.AnthropicUsage, start, JsonFields.Identity(result), $"{at} result {r}");
                sink.Usage.Add(Row(result, JsonFields.UtcDay(start), $"{at} result {r}"));
            }
        }
    }

    private static UsageRow Row(JsonElement result, DateOnly day, string where)
    {
        var model = JsonFields.Text(result, "model", where)
            ?? throw new ExportFormatException($"{where}: \"model\" is null: export with group_by[]=model so usage can be matched by model");
        long write5m = 0, write1h = 0;
        if (result.TryGetProperty("cache_creation", out var creation) && creation.ValueKind == JsonValueKind.Object)
        {
            write5m = JsonFields.Count(creation, "ephemeral_5m_input_tokens", where + " cache_creation");
            write1h = JsonFields.Count(creation, "ephemeral_1h_input_tokens", where + " cache_creation");
        }
        else
        {
            // The flat spelling some renderings of the report use.
            write5m = JsonFields.Count(result, "cache_creation_5m_input_tokens", where);
            write1h = JsonFields.Count(result, "cache_creation_1h_input_tokens", where);
        }

        var tier = JsonFields.Text(result, "service_tier", where);
        return new UsageRow
        {
            Day = day,
            Source = where,
            Model = model,
            ServiceTier = tier,
            Batch = string.Equals(tier, "batch", StringComparison.OrdinalIgnoreCase),
            Input = JsonFields.Count(result, "uncached_input_tokens", where, required: true),
            CachedInput = JsonFields.Count(result, "cache_read_input_tokens", where),
            CacheWrite5m = write5m,
            CacheWrite1h = write1h,
            Output = JsonFields.Count(result, "output_tokens", where, required: true),
        };
    }
}
