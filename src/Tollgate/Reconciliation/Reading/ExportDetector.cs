using System.Text.Json;

namespace Tollgate.Reconciliation.Reading;

/// <summary>Recognises which export a JSON page is from its own markers (OpenAI's <c>object</c> names, Anthropic's field names).</summary>
internal static class ExportDetector
{
    /// <summary>The page's format; null for a page with no results to tell by (an empty page of either provider).</summary>
    public static ExportFormat? Detect(JsonElement page, string where)
    {
        if (page.ValueKind != JsonValueKind.Object || !page.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new ExportFormatException($"{where}: not a usage or cost API page (no \"data\" array): give the API's response as returned");
        }

        var openAi = page.TryGetProperty("object", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "page";
        foreach (var bucket in data.EnumerateArray())
        {
            if (bucket.ValueKind != JsonValueKind.Object || !bucket.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var result in results.EnumerateArray())
            {
                if (result.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (result.TryGetProperty("object", out var type) && type.ValueKind == JsonValueKind.String)
                {
                    return type.GetString() switch
                    {
                        "organization.usage.completions.result" => ExportFormat.OpenAiUsage,
                        "organization.costs.result" => ExportFormat.OpenAiCosts,
                        var other => throw new ExportFormatException(
                            $"{where}: results of type \"{JsonFields.Shorten(other ?? "")}\" are not reconciled: export /v1/organization/usage/completions or /v1/organization/costs"),
                    };
                }

                if (result.TryGetProperty("uncached_input_tokens", out _))
                {
                    return ExportFormat.AnthropicUsage;
                }

                if (result.TryGetProperty("amount", out var amount) && amount.ValueKind == JsonValueKind.String)
                {
                    return ExportFormat.AnthropicCosts;
                }

                throw new ExportFormatException($"{where}: results are neither OpenAI's nor Anthropic's usage or cost results");
            }
        }

        return openAi ? null : data.GetArrayLength() == 0 || FirstBucketHas(data, "starting_at") ? null
            : throw new ExportFormatException($"{where}: buckets are neither OpenAI's nor Anthropic's");
    }

    /// <summary>True when the page is shaped like OpenAI's (<c>"object": "page"</c>); Anthropic's pages have no object name.</summary>
    public static bool IsOpenAiPage(JsonElement page) =>
        page.TryGetProperty("object", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "page";

    private static bool FirstBucketHas(JsonElement data, string name) =>
        data.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } first && first.TryGetProperty(name, out _);
}
