using Tollgate.Costing;

namespace Tollgate.Ledger;

/// <summary>
/// One billed attempt of one model call: who, what, how much was used and what it cost.
/// (<see cref="RequestId"/>, <see cref="Attempt"/>) is the idempotency key: a store keeps one record per key.
/// Costs are held as integer nano-units (<see cref="Money"/>), so every store returns exactly what was appended;
/// the timestamp is normalised to UTC with microsecond precision for the same reason.
/// </summary>
public sealed record UsageRecord
{
    internal static readonly IReadOnlyDictionary<string, string> NoTags = new Dictionary<string, string>(0);
    private readonly DateTimeOffset _timestamp;

    // Not a property initialiser: that would allocate a usage (about half a kilobyte) for every record, and nearly
    // every record is built with its own, which replaces it at once.
    private Usage? _usage;

    public required string RequestId { get; init; }

    /// <summary>Attempt number of the request (retries and fallbacks each get their own record); 1 for the first.</summary>
    public int Attempt { get; init; } = 1;

    public required DateTimeOffset Timestamp { get => _timestamp; init => _timestamp = Normalize(value); }

    public required string Provider { get; init; }

    public required string Model { get; init; }

    /// <summary>Which API shape the call used, e.g. <c>chat</c>, <c>responses</c>, <c>messages</c>, <c>embeddings</c>.</summary>
    public string? ApiFlavor { get; init; }

    public string? Tenant { get; init; }

    public string? Project { get; init; }

    public string? User { get; init; }

    /// <summary>Identifier of the (virtual) key used; never the key itself.</summary>
    public string? KeyId { get; init; }

    public string? SessionId { get; init; }

    public IReadOnlyDictionary<string, string> Tags { get; init; } = NoTags;

    /// <summary>Hex XXH3-128 of the canonical request (model, messages, tools, output-changing parameters; see <c>Metering.Fingerprints</c>); null when not computed.</summary>
    public string? RequestFingerprint { get; init; }

    /// <summary>Hex XXH3-128 of the request's stable leading part (tools, system, leading messages up to the last cache breakpoint); null when it has none.</summary>
    public string? PrefixFingerprint { get; init; }

    /// <summary>Tokens in the part <see cref="PrefixFingerprint"/> covers (an estimate with the model's tokenizer); 0 when none.</summary>
    public long PrefixTokens { get; init; }

    /// <summary>What was used; never null (an empty usage when none was given).</summary>
    public Usage Usage { get => _usage ?? EmptyUsage(); init => _usage = value; }

    public string Currency { get; init; } = "USD";

    public long InputCostNanos { get; init; }

    public long OutputCostNanos { get; init; }

    public long TotalCostNanos { get; init; }

    public decimal InputCost { get => Money.FromNanos(InputCostNanos); init => InputCostNanos = Money.ToNanos(value); }

    public decimal OutputCost { get => Money.FromNanos(OutputCostNanos); init => OutputCostNanos = Money.ToNanos(value); }

    public decimal TotalCost { get => Money.FromNanos(TotalCostNanos); init => TotalCostNanos = Money.ToNanos(value); }

    public string? PriceSource { get; init; }

    public long LatencyMs { get; init; }

    public bool Success { get; init; } = true;

    /// <summary>For a failed attempt, the class of error (e.g. <c>timeout</c>, <c>http_500</c>, <c>cut_off</c>).</summary>
    public string? ErrorClass { get; init; }

    /// <summary>Usage was counted by Tollgate because the provider reported none.</summary>
    public bool Estimated { get; init; }

    /// <summary>No price was known for the model; the cost is zero and must not be trusted.</summary>
    public bool Unpriced { get; init; }

    public LedgerKey Key => new(RequestId, Attempt);

    private Usage EmptyUsage()
    {
        var created = new Usage();
        return Interlocked.CompareExchange(ref _usage, created, null) ?? created;
    }

    /// <summary>Copies the costs, price source and unpriced flag of <paramref name="cost"/> into a record.</summary>
    public UsageRecord WithCost(CostBreakdown cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        return this with
        {
            Currency = cost.Currency,
            InputCost = cost.InputCost,
            OutputCost = cost.OutputCost,
            TotalCost = cost.TotalCost,
            PriceSource = cost.PriceSource,
            Unpriced = !cost.Priced,
        };
    }

    public bool Equals(UsageRecord? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        return RequestId == other.RequestId && Attempt == other.Attempt && Timestamp == other.Timestamp &&
               Provider == other.Provider && Model == other.Model && ApiFlavor == other.ApiFlavor &&
               Tenant == other.Tenant && Project == other.Project && User == other.User && KeyId == other.KeyId &&
               SessionId == other.SessionId && TagsEqual(Tags, other.Tags) && Usage.Equals(other.Usage) &&
               RequestFingerprint == other.RequestFingerprint && PrefixFingerprint == other.PrefixFingerprint && PrefixTokens == other.PrefixTokens &&
               Currency == other.Currency && InputCostNanos == other.InputCostNanos &&
               OutputCostNanos == other.OutputCostNanos && TotalCostNanos == other.TotalCostNanos &&
               PriceSource == other.PriceSource && LatencyMs == other.LatencyMs && Success == other.Success &&
               ErrorClass == other.ErrorClass && Estimated == other.Estimated && Unpriced == other.Unpriced;
    }

    public override int GetHashCode() => HashCode.Combine(RequestId, Attempt, Timestamp, Provider, Model, TotalCostNanos);

    /// <summary>UTC, truncated to whole microseconds (the precision every store keeps).</summary>
    public static DateTimeOffset Normalize(DateTimeOffset timestamp)
    {
        var utc = timestamp.UtcTicks;
        return new DateTimeOffset(utc - (utc % 10), TimeSpan.Zero);
    }

    private static bool TagsEqual(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }

        return true;
    }
}
