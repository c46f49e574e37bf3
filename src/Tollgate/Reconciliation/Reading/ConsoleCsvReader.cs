using System.Globalization;

namespace Tollgate.Reconciliation.Reading;

/// <summary>
/// The consoles' CSV exports (comma- or tab-separated): one row per API result with the bucket's start in its own
/// column — OpenAI's usage and cost exports (<c>start_time</c> / <c>start_time_iso</c>, then the API's field names,
/// <c>amount_value</c> and <c>amount_currency</c> for costs) and Anthropic's (<c>starting_at</c>, then the API's field
/// names, nested ones flattened with a dot or underscore). docs/reconciliation.md lists the columns.
/// </summary>
internal static class ConsoleCsvReader
{
    // Columns that measure rather than identify a row: two rows alike in every other column are the same result twice.
    private static readonly HashSet<string> Measures = new(StringComparer.Ordinal)
    {
        "end_time", "end_time_iso", "ending_at", "start_time_iso", "amount", "amount_value", "input_tokens", "output_tokens",
        "input_cached_tokens", "input_uncached_tokens", "input_audio_tokens", "output_audio_tokens", "num_model_requests",
        "uncached_input_tokens", "cache_read_input_tokens", "output_tokens",
    };

    public static ExportFormat Detect(CsvTable table, string name)
    {
        bool Has(string column) => table.Index(column) >= 0;
        if (Has("amount_value"))
        {
            return ExportFormat.OpenAiCosts;
        }

        if (Has("num_model_requests") && Has("input_tokens"))
        {
            return ExportFormat.OpenAiUsage;
        }

        if (Has("uncached_input_tokens"))
        {
            return ExportFormat.AnthropicUsage;
        }

        if (Has("amount") && Has("starting_at"))
        {
            return ExportFormat.AnthropicCosts;
        }

        throw new ExportFormatException(
            $"{name}: the CSV header ({JsonFields.Shorten(string.Join(",", table.Columns))}) is not a usage or cost export: see docs/reconciliation.md for the columns read");
    }

    public static void Read(CsvTable table, ExportFormat format, string name, ExportSink sink)
    {
        var identity = Enumerable.Range(0, table.Columns.Count).Where(i => !Measures.Contains(table.Columns[i])
            && !table.Columns[i].Contains("cache_creation", StringComparison.Ordinal) && !table.Columns[i].Contains("ephemeral", StringComparison.Ordinal)
            && !table.Columns[i].Contains("server_tool_use", StringComparison.Ordinal)).ToArray();
        foreach (var (line, cells) in table.Rows)
        {
            var where = $"{name} line {line}";
            var row = new Row(table, cells, where);
            var start = format is ExportFormat.OpenAiUsage or ExportFormat.OpenAiCosts ? OpenAiStart(row) : row.Timestamp("starting_at");
            sink.Bucket(format, start);
            sink.Result(format, start, string.Join('\u001f', identity.Select(i => table.Columns[i] + "=" + cells[i].Trim())), where);
            var day = JsonFields.UtcDay(start);
            switch (format)
            {
                case ExportFormat.OpenAiUsage:
                    var input = row.Count("input_tokens", required: true);
                    var cached = row.Count("input_cached_tokens");
                    if (cached > input)
                    {
                        throw new ExportFormatException($"{where}: input_cached_tokens ({cached}) is more than input_tokens ({input}), which includes them");
                    }

                    sink.Usage.Add(new UsageRow
                    {
                        Day = day,
                        Source = where,
                        Model = row.Model(),
                        Batch = row.Flag("batch"),
                        ServiceTier = row.Text("service_tier"),
                        Input = input - cached,
                        CachedInput = cached,
                        Output = row.Count("output_tokens", required: true),
                        Requests = row.Count("num_model_requests", required: true),
                    });
                    break;
                case ExportFormat.AnthropicUsage:
                    var tier = row.Text("service_tier");
                    sink.Usage.Add(new UsageRow
                    {
                        Day = day,
                        Source = where,
                        Model = row.Model(),
                        ServiceTier = tier,
                        Batch = string.Equals(tier, "batch", StringComparison.OrdinalIgnoreCase),
                        Input = row.Count("uncached_input_tokens", required: true),
                        CachedInput = row.Count("cache_read_input_tokens"),
                        CacheWrite5m = row.Count("cache_creation.ephemeral_5m_input_tokens", "cache_creation_ephemeral_5m_input_tokens", "cache_creation_5m_input_tokens", "ephemeral_5m_input_tokens"),
                        CacheWrite1h = row.Count("cache_creation.ephemeral_1h_input_tokens", "cache_creation_ephemeral_1h_input_tokens", "cache_creation_1h_input_tokens", "ephemeral_1h_input_tokens"),
                        Output = row.Count("output_tokens", required: true),
                    });
                    break;
                case ExportFormat.OpenAiCosts:
                    var value = row.Text("amount_value");
                    if (value is null)
                    {
                        continue; // The dashboard writes a day without spend as a row of empty fields.
                    }

                    if (!decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var usd))
                    {
                        throw new ExportFormatException($"{where}: amount_value \"{JsonFields.Shorten(value)}\" is not a number");
                    }

                    sink.Costs.Add(OpenAiCostReader.Row(day, usd, row.Text("amount_currency"), row.Text("line_item"), where));
                    break;
                default:
                    sink.Costs.Add(AnthropicCostReader.Row(day, row.Text("amount"), row.Text("currency"), row.Text("model"), row.Text("service_tier"), where));
                    break;
            }
        }
    }

    private static DateTimeOffset OpenAiStart(Row row)
    {
        var seconds = row.Text("start_time");
        if (seconds is not null && long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var unix) && unix <= 253_402_300_799)
        {
            return DateTimeOffset.FromUnixTimeSeconds(unix);
        }

        return row.Timestamp("start_time_iso");
    }

    /// <summary>One CSV row read by column name.</summary>
    private readonly struct Row(CsvTable table, string[] cells, string where)
    {
        public string? Text(string column)
        {
            var i = table.Index(column);
            return i < 0 || cells[i].Trim().Length == 0 ? null : cells[i].Trim();
        }

        public string Model() => Text("model")
            ?? throw new ExportFormatException($"{where}: the model column is missing or empty: export grouped by model so usage can be matched by model");

        public bool Flag(string column) => Text(column)?.ToLowerInvariant() switch
        {
            null or "false" or "0" => false,
            "true" or "1" => true,
            var other => throw new ExportFormatException($"{where}: {column} \"{JsonFields.Shorten(other)}\" must be true or false"),
        };

        public long Count(params string[] columns) => Count(columns, required: false);

        public long Count(string column, bool required) => Count([column], required);

        public DateTimeOffset Timestamp(string column)
        {
            var text = Text(column);
            return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at.ToUniversalTime()
                : throw new ExportFormatException($"{where}: {column} must be a timestamp (got {(text is null ? "nothing" : JsonFields.Shorten(text))})");
        }

        private long Count(string[] columns, bool required)
        {
            var i = table.Index(columns);
            if (i < 0 || cells[i].Trim().Length == 0)
            {
                return required ? throw new ExportFormatException($"{where}: {columns[0]} is missing") : 0;
            }

            return long.TryParse(cells[i].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                ? count
                : throw new ExportFormatException($"{where}: {columns[0]} must be a non-negative integer (got {JsonFields.Shorten(cells[i].Trim())})");
        }
    }
}
