using System.Text;

namespace Tollgate.Ledger;

/// <summary>
/// Builds the records of a relational store's <see cref="ILedgerStore.ScanAsync(LedgerFilter, CancellationToken)"/> from the columns of
/// <see cref="Columns"/>. Texts and tags are decoded once per distinct value (a month of records repeats a few thousand
/// names millions of times); past <see cref="MaxCached"/> distinct values (say, one user id per call) the rest are
/// decoded each time. One decoder per scan; not thread-safe.
/// </summary>
internal sealed class LedgerScanDecoder
{
    /// <summary>The text columns, first in the select list.</summary>
    public const int Texts = 9;

    /// <summary>The integer columns after the timestamp and usage extra: five token counts, three costs, latency, flags, prefix tokens, attempt.</summary>
    public const int Numbers = 12;

    /// <summary>Column of the timestamp, after the texts.</summary>
    public const int TimestampColumn = Texts;

    /// <summary>Column of the usage extra (JSON text), after the five token counts.</summary>
    public const int UsageExtraColumn = Texts + 6;

    /// <summary>Column of the request id; the request and prefix fingerprints follow it. These three are never cached (nearly every call has its own).</summary>
    public const int RequestIdColumn = Texts + 2 + Numbers;

    private const int MaxCached = 200_000;

    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _textLookup;
    private readonly Dictionary<string, IReadOnlyDictionary<string, string>> _tags = new(StringComparer.Ordinal);

    public LedgerScanDecoder() => _textLookup = _texts.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// The scan's select list: provider, model, api flavor, tenant, project, user, key id, currency and tags
    /// (<paramref name="tags"/>: the tags column as text), then the timestamp (<paramref name="ts"/>), the five token
    /// counts, the usage extra, the three costs, latency, one integer of flags (success 1, estimated 2, unpriced 4;
    /// <paramref name="flag"/> turns a boolean column into 0 or 1), the prefix tokens, the attempt, the request id and
    /// the two fingerprints.
    /// </summary>
    public static string Columns(string tags, Func<string, string> flag, string ts) =>
        $"provider, model, api_flavor, tenant, project, user_id, key_id, currency, {tags}, {ts}, " +
        "input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, usage_extra, " +
        $"input_cost_nanos, output_cost_nanos, total_cost_nanos, latency_ms, {flag("success")} + 2 * {flag("estimated")} + 4 * {flag("unpriced")}, " +
        "prefix_tokens, CAST(attempt AS BIGINT), request_id, request_fingerprint, prefix_fingerprint";

    /// <summary>Column of the integer <paramref name="number"/> (0 to <see cref="Numbers"/> − 1): the usage extra sits between the token counts and the rest.</summary>
    public static int NumberColumn(int number) => number < 5 ? Texts + 1 + number : Texts + 2 + number;

    /// <summary>A text column's value from its UTF-8 bytes, the same string for the same text.</summary>
    public string Text(ReadOnlySpan<byte> utf8)
    {
        Span<char> chars = utf8.Length <= 256 ? stackalloc char[utf8.Length] : new char[utf8.Length];
        var length = Encoding.UTF8.GetChars(utf8, chars);
        if (_textLookup.TryGetValue(chars[..length], out var text))
        {
            return text;
        }

        text = new string(chars[..length]);
        if (_texts.Count < MaxCached)
        {
            _texts[text] = text;
        }

        return text;
    }

    /// <summary>
    /// A record from the columns: <paramref name="texts"/> the nine texts (null for SQL NULL),
    /// <paramref name="numbers"/> the twelve integers after the usage extra, then the request id and the two fingerprints.
    /// </summary>
    public UsageRecord Record(ReadOnlySpan<string?> texts, DateTimeOffset timestamp, string? usageExtra, ReadOnlySpan<long> numbers,
        string requestId, string? requestFingerprint, string? prefixFingerprint) => new()
    {
        RequestId = requestId,
        Attempt = (int)numbers[11],
        Timestamp = timestamp,
        Provider = texts[0] ?? "",
        Model = texts[1] ?? "",
        ApiFlavor = texts[2],
        Tenant = texts[3],
        Project = texts[4],
        User = texts[5],
        KeyId = texts[6],
        Currency = texts[7] ?? "USD",
        Tags = Tags(texts[8]),
        Usage = LedgerColumns.DecodeUsage(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], usageExtra),
        InputCostNanos = numbers[5],
        OutputCostNanos = numbers[6],
        TotalCostNanos = numbers[7],
        LatencyMs = numbers[8],
        Success = (numbers[9] & 1) != 0,
        Estimated = (numbers[9] & 2) != 0,
        Unpriced = (numbers[9] & 4) != 0,
        PrefixTokens = numbers[10],
        RequestFingerprint = requestFingerprint,
        PrefixFingerprint = prefixFingerprint,
    };

    private IReadOnlyDictionary<string, string> Tags(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return UsageRecord.NoTags;
        }

        if (!_tags.TryGetValue(json, out var tags))
        {
            tags = LedgerColumns.DecodeTags(json);
            if (_tags.Count < MaxCached)
            {
                _tags[json] = tags;
            }
        }

        return tags;
    }
}
