using System.Globalization;
using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// Anthropic <c>GET /v1/organizations/cost_report</c> pages: <c>data[]</c> buckets of results whose <c>amount</c> is a
/// decimal string in the currency's lowest unit (cents: <c>"123.45"</c> USD is $1.2345). Priority Tier is not in it.
/// </summary>
internal static class AnthropicCostReader
{
    public static void Read(JsonElement page, string where, ExportSink sink)
    {
        var b = 0;
        foreach (var bucket in JsonFields.Array(page, "data", where).EnumerateArray())
        {
            b++;
            var at = $"{where} bucket {b}";
            var start = JsonFields.Timestamp(bucket, "starting_at", at);
            sink.Bucket(ExportFormat.AnthropicCosts, start);
            var r = 0;
            foreach (var result in JsonFields.Array(bucket, "results", at).EnumerateArray())
            {
                r++;
                sink.Result(ExportFormat.AnthropicCosts, start, JsonFields.Identity(result), $"{at} result {r}");
                var place = $"{at} result {r}";
                var amount = result.TryGetProperty("amount", out var value) && value.ValueKind == JsonValueKind.Number ? value.GetRawText() : JsonFields.Text(result, "amount", place);
                sink.Costs.Add(Row(JsonFields.UtcDay(start), amount, JsonFields.Text(result, "currency", place),
                    JsonFields.Text(result, "model", place), JsonFields.Text(result, "service_tier", place), place));
            }
        }
    }

    internal static CostRow Row(DateOnly day, string? amount, string? currency, string? model, string? tier, string where)
    {
        if (amount is null || !decimal.TryParse(amount, NumberStyles.Float, CultureInfo.InvariantCulture, out var cents))
        {
            throw new ExportFormatException($"{where}: \"amount\" must be a decimal string in cents (got {(amount is null ? "nothing" : JsonFields.Shorten(amount))})");
        }

        if (currency is not null && !string.Equals(currency, "USD", StringComparison.OrdinalIgnoreCase))
        {
            throw new ExportFormatException($"{where}: currency \"{JsonFields.Shorten(currency)}\" is not USD: only USD costs are reconciled");
        }

        return new CostRow
        {
            Day = day,
            Model = string.IsNullOrWhiteSpace(model) ? null : model,
            Batch = string.Equals(tier, "batch", StringComparison.OrdinalIgnoreCase),
            Nanos = Money.ToNanos(cents / 100m),
        };
    }
}
