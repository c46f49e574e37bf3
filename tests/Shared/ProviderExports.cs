using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Pricing;

namespace Tollgate.Testing;

/// <summary>One provider usage result to export: a UTC day, a model as the provider names it, and its counts (input is uncached input).</summary>
public sealed record ExportCell(DateOnly Day, string Model, long Input, long Cached = 0, long Write5m = 0, long Write1h = 0, long Output = 0, long Requests = 1, bool Batch = false, string? Tier = null);

/// <summary>One provider cost result to export: OpenAI's <c>amount.value</c> text (a JSON number) or Anthropic's cents string.</summary>
public sealed record ExportCost(DateOnly Day, string? Model, string Amount, string? Kind = null, bool Batch = false);

/// <summary>
/// Provider exports built from the published schemas — OpenAI's <c>/v1/organization/usage/completions</c> and
/// <c>/v1/organization/costs</c> pages, Anthropic's <c>usage_report/messages</c> and <c>cost_report</c> pages, and their
/// CSV forms — and ledger records priced at the built-in catalog's list prices, for reconciliation tests.
/// </summary>
public static class ProviderExports
{
    public static long Unix(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();

    public static string Rfc3339(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00Z";

    /// <summary>OpenAI usage pages, <paramref name="bucketsPerPage"/> daily buckets a page, every day from the first to the last.</summary>
    public static List<string> OpenAiUsagePages(IReadOnlyList<ExportCell> cells, int bucketsPerPage = 2) =>
        Pages(Days(cells.Select(c => c.Day)), bucketsPerPage, (w, day) =>
        {
            w.WriteString("object", "bucket");
            w.WriteNumber("start_time", Unix(day));
            w.WriteNumber("end_time", Unix(day.AddDays(1)));
            w.WriteStartArray("results");
            foreach (var c in cells.Where(c => c.Day == day))
            {
                w.WriteStartObject();
                w.WriteString("object", "organization.usage.completions.result");
                w.WriteNumber("input_tokens", c.Input + c.Cached);
                w.WriteNumber("output_tokens", c.Output);
                w.WriteNumber("input_cached_tokens", c.Cached);
                w.WriteNumber("input_audio_tokens", 0);
                w.WriteNumber("output_audio_tokens", 0);
                w.WriteNumber("num_model_requests", c.Requests);
                w.WriteNull("project_id");
                w.WriteNull("user_id");
                w.WriteNull("api_key_id");
                w.WriteString("model", c.Model);
                w.WriteBoolean("batch", c.Batch);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, openAi: true);

    /// <summary>OpenAI cost pages (grouped by line item: <c>MODEL, KIND</c>); <c>amount.value</c> written as the given number text.</summary>
    public static List<string> OpenAiCostPages(IReadOnlyList<ExportCost> costs, int bucketsPerPage = 2) =>
        Pages(Days(costs.Select(c => c.Day)), bucketsPerPage, (w, day) =>
        {
            w.WriteString("object", "bucket");
            w.WriteNumber("start_time", Unix(day));
            w.WriteNumber("end_time", Unix(day.AddDays(1)));
            w.WriteStartArray("results");
            foreach (var c in costs.Where(c => c.Day == day))
            {
                w.WriteStartObject();
                w.WriteString("object", "organization.costs.result");
                w.WriteStartObject("amount");
                w.WritePropertyName("value");
                w.WriteRawValue(c.Amount);
                w.WriteString("currency", "usd");
                w.WriteEndObject();
                if (c.Model is null)
                {
                    w.WriteNull("line_item");
                }
                else
                {
                    w.WriteString("line_item", $"{c.Model}, {c.Kind ?? "input"}");
                }

                w.WriteNull("project_id");
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, openAi: true);

    public static List<string> AnthropicUsagePages(IReadOnlyList<ExportCell> cells, int bucketsPerPage = 2) =>
        Pages(Days(cells.Select(c => c.Day)), bucketsPerPage, (w, day) =>
        {
            w.WriteString("starting_at", Rfc3339(day));
            w.WriteString("ending_at", Rfc3339(day.AddDays(1)));
            w.WriteStartArray("results");
            foreach (var c in cells.Where(c => c.Day == day))
            {
                w.WriteStartObject();
                w.WriteNumber("uncached_input_tokens", c.Input);
                w.WriteStartObject("cache_creation");
                w.WriteNumber("ephemeral_1h_input_tokens", c.Write1h);
                w.WriteNumber("ephemeral_5m_input_tokens", c.Write5m);
                w.WriteEndObject();
                w.WriteNumber("cache_read_input_tokens", c.Cached);
                w.WriteNumber("output_tokens", c.Output);
                w.WriteStartObject("server_tool_use");
                w.WriteNumber("web_search_requests", 0);
                w.WriteEndObject();
                w.WriteNull("api_key_id");
                w.WriteNull("workspace_id");
                w.WriteString("model", c.Model);
                w.WriteString("service_tier", c.Tier ?? (c.Batch ? "batch" : "standard"));
                w.WriteString("context_window", "0-200k");
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, openAi: false);

    /// <summary>Anthropic cost pages grouped by description; <c>amount</c> is a decimal string in cents.</summary>
    public static List<string> AnthropicCostPages(IReadOnlyList<ExportCost> costs, int bucketsPerPage = 2) =>
        Pages(Days(costs.Select(c => c.Day)), bucketsPerPage, (w, day) =>
        {
            w.WriteString("starting_at", Rfc3339(day));
            w.WriteString("ending_at", Rfc3339(day.AddDays(1)));
            w.WriteStartArray("results");
            foreach (var c in costs.Where(c => c.Day == day))
            {
                w.WriteStartObject();
                w.WriteString("currency", "USD");
                w.WriteString("amount", c.Amount);
                w.WriteNull("workspace_id");
                w.WriteString("description", c.Model is null ? "Web search" : $"Claude {c.Model} Usage - {c.Kind ?? "Input Tokens"}");
                w.WriteString("cost_type", c.Model is null ? "web_search" : "tokens");
                w.WriteString("context_window", "0-200k");
                if (c.Model is null)
                {
                    w.WriteNull("model");
                    w.WriteNull("service_tier");
                    w.WriteNull("token_type");
                }
                else
                {
                    w.WriteString("model", c.Model);
                    w.WriteString("service_tier", c.Batch ? "batch" : "standard");
                    w.WriteString("token_type", "uncached_input_tokens");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, openAi: false);

    public static string AsArray(IEnumerable<string> pages) => "[" + string.Join(",\n", pages) + "]";

    public static string AsLines(IEnumerable<string> pages) => string.Join("\n", pages) + "\n";

    /// <summary>The OpenAI usage dashboard's CSV export.</summary>
    public static string OpenAiUsageCsv(IReadOnlyList<ExportCell> cells)
    {
        var csv = new StringBuilder("start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,user_id,api_key_id,model,batch,service_tier,input_tokens,output_tokens,input_cached_tokens,input_audio_tokens,output_audio_tokens\n");
        foreach (var c in cells)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Unix(c.Day)},{Unix(c.Day.AddDays(1))},{c.Day:yyyy-MM-dd}T00:00:00+00:00,{c.Day.AddDays(1):yyyy-MM-dd}T00:00:00+00:00,,{c.Requests},,,{c.Model},{(c.Batch ? "true" : "false")},default,{c.Input + c.Cached},{c.Output},{c.Cached},0,0\n");
        }

        return csv.ToString();
    }

    /// <summary>The OpenAI cost dashboard's CSV export.</summary>
    public static string OpenAiCostCsv(IReadOnlyList<ExportCost> costs)
    {
        var csv = new StringBuilder("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,project_id,organization_id,organization_name\n");
        foreach (var c in costs)
        {
            var item = c.Model is null ? "" : $"\"{c.Model}, {c.Kind ?? "input"}\"";
            csv.Append(CultureInfo.InvariantCulture, $"{Unix(c.Day)},{Unix(c.Day.AddDays(1))},{c.Day:yyyy-MM-dd}T00:00:00+00:00,{c.Day.AddDays(1):yyyy-MM-dd}T00:00:00+00:00,{c.Amount},usd,{item},,org-test,Test\n");
        }

        return csv.ToString();
    }

    /// <summary>Anthropic usage as CSV: the usage report's fields, nested ones with a dot.</summary>
    public static string AnthropicUsageCsv(IReadOnlyList<ExportCell> cells)
    {
        var csv = new StringBuilder("starting_at,ending_at,model,service_tier,workspace_id,api_key_id,context_window,uncached_input_tokens,cache_read_input_tokens,cache_creation.ephemeral_5m_input_tokens,cache_creation.ephemeral_1h_input_tokens,output_tokens,server_tool_use.web_search_requests\n");
        foreach (var c in cells)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Rfc3339(c.Day)},{Rfc3339(c.Day.AddDays(1))},{c.Model},{c.Tier ?? (c.Batch ? "batch" : "standard")},,,0-200k,{c.Input},{c.Cached},{c.Write5m},{c.Write1h},{c.Output},0\n");
        }

        return csv.ToString();
    }

    /// <summary>Anthropic cost report as CSV (amounts in cents).</summary>
    public static string AnthropicCostCsv(IReadOnlyList<ExportCost> costs)
    {
        var csv = new StringBuilder("starting_at,ending_at,amount,currency,cost_type,token_type,model,service_tier,description,workspace_id\n");
        foreach (var c in costs)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{Rfc3339(c.Day)},{Rfc3339(c.Day.AddDays(1))},{c.Amount},USD,tokens,uncached_input_tokens,{c.Model},{(c.Batch ? "batch" : "standard")},\"Claude usage, tokens\",\n");
        }

        return csv.ToString();
    }

    /// <summary>A ledger record of one call at noon of the day (plus <paramref name="minute"/>), priced at the built-in catalog's list price.</summary>
    public static UsageRecord Record(string id, string provider, string model, DateOnly day, long input, long cached = 0, long write5m = 0, long write1h = 0, long output = 0, int minute = 0)
    {
        var usage = new Usage { InputTokens = input + cached + write5m + write1h, OutputTokens = output, CacheReadTokens = cached, CacheWriteTokens = write5m + write1h };
        if (write1h > 0)
        {
            usage[UsageUnit.CacheWrite1hTokens] = write1h;
        }

        var at = new DateTimeOffset(day.ToDateTime(new TimeOnly(12, minute)), TimeSpan.Zero);
        var cost = PriceCatalog.BuiltIn.Resolve(provider, model).ComputeCost(usage, at);
        return new UsageRecord
        {
            RequestId = id,
            Timestamp = at,
            Provider = provider,
            Model = model,
            Usage = usage,
            InputCost = cost.InputCost,
            OutputCost = cost.OutputCost,
            TotalCost = cost.TotalCost,
            PriceSource = "builtin",
            Unpriced = !cost.Priced,
        };
    }

    /// <summary>An amount in nano-USD as OpenAI's <c>amount.value</c> number text.</summary>
    public static string Usd(long nanos) => Money.Format(Money.FromNanos(nanos));

    /// <summary>An amount in nano-USD as Anthropic's cents string.</summary>
    public static string Cents(long nanos) => Money.Format(Money.FromNanos(nanos) * 100);

    private static IEnumerable<DateOnly> Days(IEnumerable<DateOnly> days)
    {
        var list = days.ToList();
        if (list.Count == 0)
        {
            yield break;
        }

        for (var day = list.Min(); day <= list.Max(); day = day.AddDays(1))
        {
            yield return day;
        }
    }

    private static List<string> Pages(IEnumerable<DateOnly> days, int perPage, Action<Utf8JsonWriter, DateOnly> bucket, bool openAi)
    {
        var chunks = days.Chunk(perPage).ToList();
        var pages = new List<string>();
        for (var i = 0; i < chunks.Count; i++)
        {
            using var stream = new MemoryStream();
            using (var w = new Utf8JsonWriter(stream))
            {
                w.WriteStartObject();
                if (openAi)
                {
                    w.WriteString("object", "page");
                }

                w.WriteStartArray("data");
                foreach (var day in chunks[i])
                {
                    w.WriteStartObject();
                    bucket(w, day);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteBoolean("has_more", i < chunks.Count - 1);
                if (i < chunks.Count - 1)
                {
                    w.WriteString("next_page", $"page_{i + 2}");
                }
                else
                {
                    w.WriteNull("next_page");
                }

                w.WriteEndObject();
            }

            pages.Add(Encoding.UTF8.GetString(stream.ToArray()));
        }

        return pages;
    }
}
