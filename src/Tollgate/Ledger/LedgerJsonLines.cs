using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Tollgate.Costing;

namespace Tollgate.Ledger;

/// <summary>
/// The stable JSON-lines form of ledger records (docs/ledger-format.md): one object per line, money as decimal
/// strings, timestamps as ISO 8601 with an offset. Used by <c>tollgate import/export</c> and the local spool.
/// </summary>
public static class LedgerJsonLines
{
    private static readonly HashSet<string> MainUnitKeys =
    [
        "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "output_reasoning_tokens",
    ];

    private static readonly HashSet<string> KnownFields =
    [
        "request_id", "attempt", "timestamp", "provider", "model", "api_flavor", "tenant", "project", "user", "key_id",
        "session_id", "tags", "request_fingerprint", "prefix_fingerprint", "prefix_tokens", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
        "reasoning_tokens", "usage", "cost_usd", "input_cost_usd", "output_cost_usd", "currency", "price_source",
        "latency_ms", "success", "error_class", "estimated", "unpriced",
    ];

    /// <summary>Writes one record as a JSON object (no newline).</summary>
    public static void Write(Utf8JsonWriter writer, UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(record);
        writer.WriteStartObject();
        writer.WriteString("request_id", record.RequestId);
        writer.WriteNumber("attempt", record.Attempt);
        writer.WriteString("timestamp", FormatTimestamp(record.Timestamp));
        writer.WriteString("provider", record.Provider);
        writer.WriteString("model", record.Model);
        WriteOptional(writer, "api_flavor", record.ApiFlavor);
        WriteOptional(writer, "tenant", record.Tenant);
        WriteOptional(writer, "project", record.Project);
        WriteOptional(writer, "user", record.User);
        WriteOptional(writer, "key_id", record.KeyId);
        WriteOptional(writer, "session_id", record.SessionId);
        if (record.Tags.Count > 0)
        {
            writer.WriteStartObject("tags");
            foreach (var (key, value) in record.Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        WriteOptional(writer, "request_fingerprint", record.RequestFingerprint);
        WriteOptional(writer, "prefix_fingerprint", record.PrefixFingerprint);
        if (record.PrefixTokens > 0)
        {
            writer.WriteNumber("prefix_tokens", record.PrefixTokens);
        }

        var u = record.Usage;
        writer.WriteNumber("input_tokens", u.InputTokens);
        writer.WriteNumber("cache_read_tokens", u.CacheReadTokens);
        writer.WriteNumber("cache_write_tokens", u.CacheWriteTokens);
        writer.WriteNumber("output_tokens", u.OutputTokens);
        writer.WriteNumber("reasoning_tokens", u.ReasoningTokens);
        var wroteUsage = false;
        foreach (var info in UsageUnitInfo.All)
        {
            if (MainUnitKeys.Contains(info.Key) || (!u.IsReported(info.Unit) && u[info.Unit] == 0))
            {
                continue;
            }

            if (!wroteUsage)
            {
                writer.WriteStartObject("usage");
                wroteUsage = true;
            }

            writer.WriteNumber(info.Key, u[info.Unit]);
        }

        if (wroteUsage)
        {
            writer.WriteEndObject();
        }

        writer.WriteString("cost_usd", Money.Format(record.TotalCost));
        writer.WriteString("input_cost_usd", Money.Format(record.InputCost));
        writer.WriteString("output_cost_usd", Money.Format(record.OutputCost));
        writer.WriteString("currency", record.Currency);
        WriteOptional(writer, "price_source", record.PriceSource);
        writer.WriteNumber("latency_ms", record.LatencyMs);
        writer.WriteBoolean("success", record.Success);
        WriteOptional(writer, "error_class", record.ErrorClass);
        writer.WriteBoolean("estimated", record.Estimated);
        writer.WriteBoolean("unpriced", record.Unpriced);
        writer.WriteEndObject();
    }

    /// <summary>One record as a single line of JSON (without the newline).</summary>
    public static string Serialize(UsageRecord record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, record);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Parses one line; on failure <paramref name="error"/> says what to fix and nothing is returned.</summary>
    public static bool TryParse(string line, out UsageRecord? record, out string? error)
    {
        ArgumentNullException.ThrowIfNull(line);
        record = null;
        try
        {
            using var doc = JsonDocument.Parse(line);
            return TryParse(doc.RootElement, out record, out error);
        }
        catch (JsonException ex)
        {
            error = $"not valid JSON ({ex.Message.Split(" Path:", 2)[0].TrimEnd('.')})";
            return false;
        }
    }

    /// <summary>Reads records line by line; each item is either a record or the reason its line was rejected.</summary>
    public static async IAsyncEnumerable<LedgerLine> ReadAsync(TextReader reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        long number = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return TryParse(line, out var record, out var error)
                ? new LedgerLine(number, record, null)
                : new LedgerLine(number, null, error);
        }
    }

    internal static string FormatTimestamp(DateTimeOffset timestamp) =>
        timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);

    private static bool TryParse(JsonElement root, out UsageRecord? record, out string? error)
    {
        record = null;
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "a line must be a JSON object";
            return false;
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!KnownFields.Contains(property.Name))
            {
                error = $"unknown field '{property.Name}'";
                return false;
            }
        }

        try
        {
            var usage = new Usage();
            usage.InputTokens = Count(root, "input_tokens");
            usage.CacheReadTokens = Count(root, "cache_read_tokens");
            usage.CacheWriteTokens = Count(root, "cache_write_tokens");
            usage.OutputTokens = Count(root, "output_tokens");
            usage.ReasoningTokens = Count(root, "reasoning_tokens");
            if (root.TryGetProperty("usage", out var extra) && extra.ValueKind != JsonValueKind.Null)
            {
                if (extra.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("'usage' must be an object of unit counts");
                }

                foreach (var unit in extra.EnumerateObject())
                {
                    if (MainUnitKeys.Contains(unit.Name))
                    {
                        throw new FormatException($"'usage.{unit.Name}' belongs at the top level of the line");
                    }

                    if (!UsageUnitInfo.TryFromKey(unit.Name, out var u))
                    {
                        throw new FormatException($"'usage.{unit.Name}' is not a known usage unit");
                    }

                    usage.Set(u, CountValue(unit.Value, "usage." + unit.Name));
                }
            }

            var attempt = root.TryGetProperty("attempt", out var a) && a.ValueKind != JsonValueKind.Null
                ? (a.ValueKind == JsonValueKind.Number && a.TryGetInt32(out var n) && n >= 0 ? n : throw new FormatException("'attempt' must be a whole number ≥ 0"))
                : 1;
            var currency = OptionalString(root, "currency") ?? LedgerRecordValidator.SupportedCurrency;
            var candidate = new UsageRecord
            {
                RequestId = RequiredString(root, "request_id"),
                Attempt = attempt,
                Timestamp = Timestamp(root),
                Provider = RequiredString(root, "provider"),
                Model = RequiredString(root, "model"),
                ApiFlavor = OptionalString(root, "api_flavor"),
                Tenant = OptionalString(root, "tenant"),
                Project = OptionalString(root, "project"),
                User = OptionalString(root, "user"),
                KeyId = OptionalString(root, "key_id"),
                SessionId = OptionalString(root, "session_id"),
                Tags = Tags(root),
                RequestFingerprint = OptionalString(root, "request_fingerprint"),
                PrefixFingerprint = OptionalString(root, "prefix_fingerprint"),
                PrefixTokens = Count(root, "prefix_tokens"),
                Usage = usage,
                Currency = currency,
                TotalCostNanos = MoneyNanos(root, "cost_usd", required: true),
                InputCostNanos = MoneyNanos(root, "input_cost_usd", required: false),
                OutputCostNanos = MoneyNanos(root, "output_cost_usd", required: false),
                PriceSource = OptionalString(root, "price_source"),
                LatencyMs = Count(root, "latency_ms"),
                Success = Bool(root, "success", true),
                ErrorClass = OptionalString(root, "error_class"),
                Estimated = Bool(root, "estimated", false),
                Unpriced = Bool(root, "unpriced", false),
            };
            if (LedgerRecordValidator.Problem(candidate) is { } problem)
            {
                throw new FormatException(problem);
            }

            record = candidate;
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string RequiredString(JsonElement root, string name) =>
        OptionalString(root, name) is { Length: > 0 } s ? s : throw new FormatException($"'{name}' is required (a non-empty string)");

    private static string? OptionalString(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return e.ValueKind == JsonValueKind.String ? e.GetString() : throw new FormatException($"'{name}' must be a string");
    }

    private static long Count(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null ? CountValue(e, name) : 0;

    private static long CountValue(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) && v >= 0
            ? v
            : throw new FormatException($"'{name}' must be a whole number ≥ 0");

    private static bool Bool(JsonElement root, string name, bool fallback)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }

        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"'{name}' must be true or false"),
        };
    }

    private static DateTimeOffset Timestamp(JsonElement root)
    {
        var text = RequiredString(root, "timestamp");
        // An offset (or Z) is required: a bare local time would be billed to the wrong day.
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z') ||
                        (text.Length > 6 && (text[^6] == '+' || text[^6] == '-') && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var ts))
        {
            throw new FormatException($"'timestamp' must be ISO 8601 with an offset, e.g. 2026-11-22T10:15:00Z (got '{text}')");
        }

        return ts;
    }

    private static long MoneyNanos(JsonElement root, string name, bool required)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new FormatException($"'{name}' is required (a decimal string such as \"0.0125\")") : 0;
        }

        decimal value;
        if (e.ValueKind == JsonValueKind.String)
        {
            if (!decimal.TryParse(e.GetString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value))
            {
                throw new FormatException($"'{name}' must be a non-negative decimal string such as \"0.0125\" (got \"{e.GetString()}\")");
            }
        }
        else if (e.ValueKind == JsonValueKind.Number && e.TryGetDecimal(out value) && value >= 0)
        {
            // Accepted for convenience; JSON numbers are parsed as exact decimals, never as floats.
        }
        else
        {
            throw new FormatException($"'{name}' must be a non-negative decimal string such as \"0.0125\"");
        }

        var nanos = value * Money.NanosPerUnit;
        if (nanos != decimal.Truncate(nanos))
        {
            throw new FormatException($"'{name}' has more than 9 decimal places (the ledger keeps nano-units)");
        }

        return nanos <= long.MaxValue ? decimal.ToInt64(nanos) : throw new FormatException($"'{name}' is too large");
    }

    private static IReadOnlyDictionary<string, string> Tags(JsonElement root)
    {
        if (!root.TryGetProperty("tags", out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return new Dictionary<string, string>(0);
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("'tags' must be an object of string values");
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            tags[p.Name] = p.Value.ValueKind == JsonValueKind.String
                ? p.Value.GetString()!
                : throw new FormatException($"tag '{p.Name}' must be a string");
        }

        return tags;
    }
}

/// <summary>One line of a JSON-lines file: its 1-based number and either the record or why it was rejected.</summary>
public readonly record struct LedgerLine(long LineNumber, UsageRecord? Record, string? Error);
