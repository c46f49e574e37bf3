using System.Text.Json;

namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// OpenAI <c>GET /v1/organization/usage/completions</c> pages: buckets (<c>start_time</c>, <c>end_time</c> in Unix
/// seconds) of <c>organization.usage.completions.result</c>. <c>input_tokens</c> includes <c>input_cached_tokens</c>.
/// </summary>
internal static class OpenAiUsageReader
{
    public static void Read(JsonElement page, string where, ExportSink sink)
    {
        var b = 0;
        foreach (var bucket in JsonFields.Array(page, "data", where).EnumerateArray())
        {
            b++;
            var at = $"{where} bucket {b}";
            var start = JsonFields.UnixSeconds(bucket, "start_time", at);
            sink.Bucket(ExportFormat.OpenAiUsage, start);
            var r = 0;
            foreach (var result in JsonFields.Array(bucket, "results", at).EnumerateArray())
            {
                r++;
                sink.Result(ExportFormat.OpenAiUsage, start, JsonFields.Identity(result), $"{at} result {r}");
                sink.Usage.Add(Row(result, JsonFields.UtcDay(start), $"{at} result {r}"));
            }
        }
    }

    internal static UsageRow Row(JsonElement result, DateOnly day, string where)
    {
        var model = JsonFields.Text(result, "model", where)
            ?? throw new ExportFormatException($"{where}: \"model\" is null: export with group_by=model so usage can be matched by model");
        var input = JsonFields.Count(result, "input_tokens", where, required: true);
        var cached = JsonFields.Count(result, "input_cached_tokens", where);
        if (cached > input)
        {
            throw new ExportFormatException($"{where}: \"input_cached_tokens\" ({cached}) is more than \"input_tokens\" ({input}), which includes them");
        }

        return new UsageRow
        {
            Day = day,
            Source = where,
            Model = model,
            Batch = JsonFields.Flag(result, "batch", where),
            ServiceTier = JsonFields.Text(result, "service_tier", where),
            Input = input - cached,
            CachedInput = cached,
            Output = JsonFields.Count(result, "output_tokens", where, required: true),
            Requests = JsonFields.Count(result, "num_model_requests", where, required: true),
        };
    }
}
