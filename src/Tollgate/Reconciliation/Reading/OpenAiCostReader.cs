using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// OpenAI <c>GET /v1/organization/costs</c> pages: buckets of <c>organization.costs.result</c> whose
/// <c>amount.value</c> (a JSON number) is read as the exact decimal of its text. With <c>group_by=line_item</c> a
/// line item such as <c>gpt-4o-2024-08-06, input</c> names its model before the comma.
/// </summary>
internal static class OpenAiCostReader
{
    public static void Read(JsonElement page, string where, ExportSink sink)
    {
        var b = 0;
        foreach (var bucket in JsonFields.Array(page, "data", where).EnumerateArray())
        {
            b++;
            var at = $"{where} bucket {b}";
            var start = JsonFields.UnixSeconds(bucket, "start_time", at);
            sink.Bucket(ExportFormat.OpenAiCosts, start);
            var r = 0;
            foreach (var result in JsonFields.Array(bucket, "results", at).EnumerateArray())
            {
                r++;
                sink.Result(ExportFormat.OpenAiCosts, start, JsonFields.Identity(result), $"{at} result {r}");
                var place = $"{at} result {r}";
                if (!result.TryGetProperty("amount", out var amount) || amount.ValueKind != JsonValueKind.Object || !amount.TryGetProperty("value", out var value))
                {
                    throw new ExportFormatException($"{place}: \"amount.value\" is missing");
                }

                var currency = JsonFields.Text(amount, "currency", place);
                sink.Costs.Add(Row(JsonFields.UtcDay(start), JsonFields.ExactNumber(value, "amount.value", place), currency, JsonFields.Text(result, "line_item", place), place));
            }
        }
    }

    internal static CostRow Row(DateOnly day, decimal usd, string? currency, string? lineItem, string where)
    {
        if (currency is not null && !string.Equals(currency, "usd", StringComparison.OrdinalIgnoreCase))
        {
            throw new ExportFormatException($"{where}: currency \"{JsonFields.Shorten(currency)}\" is not USD: only USD costs are reconciled");
        }

        return new CostRow
        {
            Day = day,
            Model = LineItemModel(lineItem),
            Batch = lineItem?.Contains("batch", StringComparison.OrdinalIgnoreCase) == true,
            Nanos = Money.ToNanos(usd),
        };
    }

    /// <summary>The model part of a line item (<c>gpt-4o-2024-08-06, input</c> → <c>gpt-4o-2024-08-06</c>); matched against the catalog later.</summary>
    private static string? LineItemModel(string? lineItem)
    {
        if (string.IsNullOrWhiteSpace(lineItem))
        {
            return null;
        }

        var comma = lineItem.IndexOf(',', StringComparison.Ordinal);
        return (comma < 0 ? lineItem : lineItem[..comma]).Trim();
    }
}
