using System.Buffers;
using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;
using Tollgate.Pricing;

namespace Tollgate.Cli.Commands;

/// <summary>
/// <c>tollgate price</c>: with no pricing flags, reads JSON lines on stdin ({provider, api_flavor, body, timestamp?})
/// and writes one JSON line per input line, in order; with <c>--provider</c>/<c>--model</c>, prints a readable
/// breakdown of one call.
/// </summary>
internal static class PriceCommand
{
    /// <summary>The machine form's input and output, for the help text (docs/pricing.md has the full description).</summary>
    internal const string LinesFormat =
        "Machine form: one JSON object per input line, {\"provider\": \"openai\", \"api_flavor\": \"chat\", \"body\": {the provider's response body, with its usage}, \"timestamp\": \"2025-06-01T12:00:00Z\" (optional)}; " +
        "one JSON line out per line in, in order: {\"provider\", \"model\", \"model_id\", \"usage\", \"input_price\", \"output_price\", \"total_price\", \"currency\", \"priced\", \"price_source\", \"error\"} (money as decimal strings; exit code 1 if any line failed). " +
        "Example: echo '{\"provider\":\"openai\",\"body\":{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":200}}}' | tollgate price";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(CliConsole console)
    {
        var provider = new Option<string?>("--provider") { Description = "Provider id (openai, anthropic, google, aws, azure, …). Selects the human form." };
        var model = new Option<string?>("--model") { Description = "Model reference as sent to the provider (e.g. gpt-4o)." };
        var inputTokens = new Option<long?>("--input-tokens") { Description = "All input tokens, cached ones included." };
        var outputTokens = new Option<long?>("--output-tokens") { Description = "All output tokens, reasoning included." };
        var cacheRead = new Option<long?>("--cache-read-tokens") { Description = "Input tokens read from the cache (part of --input-tokens)." };
        var cacheWrite = new Option<long?>("--cache-write-tokens") { Description = "Input tokens written to the cache (part of --input-tokens)." };
        var reasoning = new Option<long?>("--reasoning-tokens") { Description = "Reasoning tokens (part of --output-tokens)." };
        var currency = new Option<string?>("--currency") { Description = "Report in this ISO 4217 currency (needs an exchange rate: --exchange-rate or --config)." };
        var at = new Option<string?>("--at") { Description = "When the call was made (ISO 8601; default now): prices in force then apply." };
        var prices = new Option<string[]>("--prices") { Description = "Override price file(s) in the genai-prices v2 format; they win over the built-in catalog.", AllowMultipleArgumentsPerToken = false };
        var exchangeRates = new Option<string[]>("--exchange-rate") { Description = "CODE=RATE: units of CODE per USD (e.g. EUR=0.92)." };
        var config = CommonOptions.Config();

        var command = new Command("price", "Price model calls: one call from flags (human form), or JSON lines on stdin (machine form). " + LinesFormat);
        foreach (var option in new Option[] { provider, model, inputTokens, outputTokens, cacheRead, cacheWrite, reasoning, currency, at, prices, exchangeRates, config })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = LoadOptions(parse.GetValue(config), parse.GetValue(prices) ?? [], parse.GetValue(exchangeRates) ?? []);
            using var source = CreateSource(options);
            if (options.CatalogUrl is not null)
            {
                await source.RefreshAsync(cancellationToken);
            }

            var engine = new CostEngine(source, options);
            var targetCurrency = parse.GetValue(currency)?.Trim().ToUpperInvariant();
            if (targetCurrency is not null && !PricingOptionsCurrency.IsValid(targetCurrency))
            {
                throw new CliException($"--currency '{targetCurrency}' must be a 3-letter ISO 4217 code such as EUR.");
            }

            if (targetCurrency is not null and not "USD" && !options.ExchangeRates.Any(r => r.Currency == targetCurrency))
            {
                throw new CliException($"--currency {targetCurrency} needs an exchange rate: add --exchange-rate {targetCurrency}=RATE (units of {targetCurrency} per USD, e.g. --exchange-rate {targetCurrency}=0.92), or exchangeRates in the --config file.");
            }

            var providerValue = parse.GetValue(provider);
            var modelValue = parse.GetValue(model);
            if (providerValue is null && modelValue is null)
            {
                if (parse.GetValue(inputTokens) is not null || parse.GetValue(outputTokens) is not null || parse.GetValue(at) is not null)
                {
                    throw new CliException("token counts and --at need --provider and --model (without them, price reads JSON lines on stdin).");
                }

                if (console.IsInputInteractive)
                {
                    // Nothing piped in: a person typed 'tollgate price' to see what it does, not to type JSON.
                    return new System.CommandLine.Help.HelpAction().Invoke(parse);
                }

                return await RunLinesAsync(console, engine, targetCurrency, cancellationToken);
            }

            if (providerValue is null || modelValue is null)
            {
                throw new CliException("the human form needs both --provider and --model.");
            }

            var usage = new Usage();
            SetCount(usage, UsageUnit.InputTokens, parse.GetValue(inputTokens), "--input-tokens");
            SetCount(usage, UsageUnit.OutputTokens, parse.GetValue(outputTokens), "--output-tokens");
            SetCount(usage, UsageUnit.CacheReadTokens, parse.GetValue(cacheRead), "--cache-read-tokens");
            SetCount(usage, UsageUnit.CacheWriteTokens, parse.GetValue(cacheWrite), "--cache-write-tokens");
            SetCount(usage, UsageUnit.OutputReasoningTokens, parse.GetValue(reasoning), "--reasoning-tokens");
            if (usage.IsEmpty)
            {
                throw new CliException("give at least one count, e.g. --input-tokens 1000 --output-tokens 500.");
            }

            var timestamp = ParseTimestamp(parse.GetValue(at)) ?? TimeProvider.System.GetUtcNow();
            var cost = engine.Calculate(providerValue, modelValue, usage, timestamp, new CostContext(Currency: targetCurrency));
            return WriteHuman(console, providerValue, modelValue, usage, timestamp, cost, engine);
        });
        return command;
    }

    private static async Task<int> RunLinesAsync(CliConsole console, CostEngine engine, string? currency, CancellationToken cancellationToken)
    {
        var failed = false;
        var buffer = new ArrayBufferWriter<byte>(1024);
        var lineNumber = 0;
        var context = new CostContext(Currency: currency);
        while (await console.In.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                failed |= !PriceLine(writer, line, lineNumber, engine, context);
            }

            await console.Out.WriteLineAsync(Encoding.UTF8.GetString(buffer.WrittenSpan).AsMemory(), cancellationToken);
        }

        await console.Out.FlushAsync(cancellationToken);
        return failed ? 1 : 0;
    }

    // Returns false when the line failed (its output line carries the error).
    private static bool PriceLine(Utf8JsonWriter writer, string line, int lineNumber, CostEngine engine, CostContext context)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            WriteError(writer, null, $"line {lineNumber}: not valid JSON ({ex.Message})");
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                WriteError(writer, null, $"line {lineNumber}: expected an object {{\"provider\", \"api_flavor\", \"body\", \"timestamp\"}}");
                return false;
            }

            var provider = root.TryGetProperty("provider", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (string.IsNullOrWhiteSpace(provider))
            {
                WriteError(writer, null, $"line {lineNumber}: missing \"provider\" (a provider id such as openai)");
                return false;
            }

            var flavor = "default";
            if (root.TryGetProperty("api_flavor", out var f) && f.ValueKind != JsonValueKind.Null)
            {
                if (f.ValueKind != JsonValueKind.String)
                {
                    WriteError(writer, provider, $"line {lineNumber}: \"api_flavor\" must be a string (chat, responses, embeddings, anthropic, default, …)");
                    return false;
                }

                flavor = f.GetString()!;
            }

            if (!root.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object)
            {
                WriteError(writer, provider, $"line {lineNumber}: missing \"body\" (the provider's response body as a JSON object)");
                return false;
            }

            var timestamp = TimeProvider.System.GetUtcNow();
            if (root.TryGetProperty("timestamp", out var t) && t.ValueKind != JsonValueKind.Null)
            {
                if (t.ValueKind != JsonValueKind.String || !TryParseTimestamp(t.GetString()!, out timestamp))
                {
                    WriteError(writer, provider, $"line {lineNumber}: \"timestamp\" must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z");
                    return false;
                }
            }

            var priced = engine.PriceResponse(provider, flavor, body, timestamp, context);
            if (priced.Failed)
            {
                WriteError(writer, provider, $"line {lineNumber}: {priced.Extraction.Error}", priced.Extraction.Model);
                return false;
            }

            WriteResult(writer, provider, priced.Extraction, priced.Cost!);
            return true;
        }
    }

    private static void WriteResult(Utf8JsonWriter writer, string provider, UsageExtraction extraction, CostBreakdown cost)
    {
        writer.WriteStartObject();
        writer.WriteString("provider", provider);
        writer.WriteString("model", extraction.Model);
        writer.WriteString("model_id", cost.ModelId);
        writer.WriteStartObject("usage");
        foreach (var (unit, count) in extraction.Usage!.NonZero())
        {
            writer.WriteNumber(UsageUnitInfo.Of(unit).Key, count);
        }

        writer.WriteEndObject();
        if (cost.Priced)
        {
            writer.WriteString("input_price", Money.Format(cost.InputCost));
            writer.WriteString("output_price", Money.Format(cost.OutputCost));
            writer.WriteString("total_price", Money.Format(cost.TotalCost));
        }
        else
        {
            writer.WriteNull("input_price");
            writer.WriteNull("output_price");
            writer.WriteNull("total_price");
        }

        writer.WriteString("currency", cost.Currency);
        writer.WriteBoolean("priced", cost.Priced);
        writer.WriteString("price_source", cost.Priced ? cost.PriceSource : null);
        writer.WriteNull("error");
        writer.WriteEndObject();
    }

    private static void WriteError(Utf8JsonWriter writer, string? provider, string error, string? model = null)
    {
        writer.WriteStartObject();
        writer.WriteString("provider", provider);
        writer.WriteString("model", model);
        writer.WriteNull("model_id");
        writer.WriteNull("usage");
        writer.WriteNull("input_price");
        writer.WriteNull("output_price");
        writer.WriteNull("total_price");
        writer.WriteNull("currency");
        writer.WriteBoolean("priced", false);
        writer.WriteNull("price_source");
        writer.WriteString("error", error);
        writer.WriteEndObject();
    }

    private static int WriteHuman(CliConsole console, string provider, string model, Usage usage, DateTimeOffset timestamp, CostBreakdown cost, CostEngine engine)
    {
        var o = console.Out;
        o.WriteLine($"provider     {provider}");
        o.WriteLine($"model        {model}");
        o.WriteLine($"at           {timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");
        o.WriteLine($"usage        {usage}");
        if (!cost.Priced)
        {
            o.WriteLine($"unpriced     {cost.UnpricedReason}");
            var lookup = engine.Resolve(provider, model);
            if (lookup.Hints.Count > 0)
            {
                o.WriteLine($"did you mean {string.Join(", ", lookup.Hints)}");
            }

            return 1;
        }

        o.WriteLine($"catalog id   {cost.ModelId ?? "(fallback price)"}  [price source: {cost.PriceSource}]");
        o.WriteLine();
        o.WriteLine($"{"unit",-32} {"count",14} {"rate",14} {"per",10} {"cost",20}");
        foreach (var unit in cost.Units)
        {
            var info = UsageUnitInfo.Of(unit.Unit);
            o.WriteLine($"{info.Key,-32} {unit.Count,14:N0} {Money.Format(unit.Rate),14} {info.Per,10:N0} {Money.Format(unit.Cost),20}");
        }

        o.WriteLine();
        foreach (var adjustment in cost.Adjustments)
        {
            o.WriteLine($"applied      {adjustment.Description} (×{Money.Format(adjustment.Factor)})");
        }

        o.WriteLine($"input        {Money.Format(cost.InputCost)} {cost.Currency}");
        o.WriteLine($"output       {Money.Format(cost.OutputCost)} {cost.Currency}");
        o.WriteLine($"total        {Money.Format(cost.TotalCost)} {cost.Currency}");
        return 0;
    }

    private static void SetCount(Usage usage, UsageUnit unit, long? value, string flag)
    {
        if (value is null)
        {
            return;
        }

        if (value < 0 || value > UsageExtractor.MaxCount)
        {
            throw new CliException($"{flag} must be between 0 and {UsageExtractor.MaxCount}.");
        }

        usage.Set(unit, value.Value);
    }

    private static DateTimeOffset? ParseTimestamp(string? text)
    {
        if (text is null)
        {
            return null;
        }

        return TryParseTimestamp(text, out var value)
            ? value
            : throw new CliException($"--at '{text}' must be an ISO 8601 date-time such as 2026-11-22T10:00:00Z.");
    }

    private static bool TryParseTimestamp(string text, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);

    internal static PricingOptions LoadOptions(FileInfo? config, string[] priceFiles, string[] exchangeRates)
    {
        var options = new PricingOptions();
        if (config is not null)
        {
            options = ReadConfig(config);
        }

        foreach (var file in priceFiles)
        {
            if (!File.Exists(file))
            {
                throw new CliException($"--prices file '{file}' does not exist.");
            }

            options.OverrideFiles.Add(file);
        }

        foreach (var pair in exchangeRates)
        {
            var parts = pair.Split('=', 2);
            if (parts.Length != 2 || !PricingOptionsCurrency.IsValid(parts[0].Trim().ToUpperInvariant())
                || !decimal.TryParse(parts[1], NumberStyles.Number, CultureInfo.InvariantCulture, out var rate) || rate <= 0)
            {
                throw new CliException($"--exchange-rate '{pair}' must be CODE=RATE with a positive rate, e.g. EUR=0.92.");
            }

            options.ExchangeRates.Add(new ExchangeRate(parts[0].Trim().ToUpperInvariant(), rate, DateTimeOffset.MinValue));
        }

        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new CliException(string.Join(" ", errors));
        }

        return options;
    }

    private static PricingOptions ReadConfig(FileInfo config)
    {
        if (!config.Exists)
        {
            throw new CliException($"--config file '{config.FullName}' does not exist.");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(config.FullName), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var section = document.RootElement.EnumerateObject()
                .FirstOrDefault(p => string.Equals(p.Name, PricingOptions.SectionName, StringComparison.OrdinalIgnoreCase)).Value;
            if (section.ValueKind != JsonValueKind.Object)
            {
                return new PricingOptions();
            }

            var options = section.Deserialize<PricingOptions>(new JsonSerializerOptions { PropertyNameCaseInsensitive = true });
            return options ?? new PricingOptions();
        }
        catch (JsonException ex)
        {
            throw new CliException($"--config '{config.FullName}': {Gateway.Configuration.FriendlyTypeNames.Rewrite(ex.Message)}");
        }
    }

    internal static PriceCatalogSource CreateSource(PricingOptions options)
    {
        try
        {
            return new PriceCatalogSource(options, TimeProvider.System);
        }
        catch (FormatException ex)
        {
            throw new CliException($"price file: {ex.Message}");
        }
        catch (IOException ex)
        {
            throw new CliException($"price file: {ex.Message}");
        }
    }

    private static class PricingOptionsCurrency
    {
        public static bool IsValid(string code) => code.Length == 3 && code.All(c => c is >= 'A' and <= 'Z');
    }
}
