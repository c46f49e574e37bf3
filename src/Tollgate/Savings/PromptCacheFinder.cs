using System.Globalization;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Savings;

/// <summary>
/// <c>prompt_caching</c>: calls billed without cache reads whose prefix (<see cref="UsageRecord.PrefixFingerprint"/>, at
/// least the provider's cacheable minimum) was used less than <see cref="RecommendationOptions.PromptCacheTtl"/> before
/// (a provider cache stays warm while used). Such a call would have read the prefix from the cache; any other would
/// have written it. Saving = Σ reads × (prefix at the input price − at the cache-read price) − Σ writes × (prefix at the
/// cache-write price − at the input price), each priced by the catalog at the call's time.
/// </summary>
internal sealed class PromptCacheFinder(RecommendationOptions options, ICostCalculator pricing) : ISavingFinder
{
    private readonly Dictionary<string, long> _lastUse = new(StringComparer.Ordinal);
    private readonly Queue<(long Ticks, string Prefix)> _expiry = new();
    private readonly Dictionary<(string Provider, string Model, long Tokens, long Day), (long Read, long Premium)> _rates = [];
    private readonly Dictionary<ProviderModelKey, Totals> _models = [];

    public void Add(UsageRecord record)
    {
        var key = new ProviderModelKey(record.Provider, record.Model);
        if (!_models.TryGetValue(key, out var totals))
        {
            _models[key] = totals = new Totals();
        }

        totals.Nanos += record.TotalCostNanos;
        var minimum = options.PromptCacheMinimumTokens.TryGetValue(record.Provider, out var m) ? m : options.DefaultPromptCacheMinimumTokens;
        if (!record.Success || record.PrefixFingerprint is not { } prefix || record.PrefixTokens < minimum || record.Usage.CacheReadTokens > 0)
        {
            return;
        }

        var ticks = record.Timestamp.UtcTicks;
        var ttl = options.PromptCacheTtl.Ticks;
        while (_expiry.TryPeek(out var oldest) && ticks - oldest.Ticks > ttl)
        {
            _expiry.Dequeue();
            if (_lastUse.TryGetValue(oldest.Prefix, out var last) && last == oldest.Ticks)
            {
                _lastUse.Remove(oldest.Prefix);
            }
        }

        var (read, premium) = Rates(record);
        var scoped = record.Provider + "\n" + record.Model + "\n" + prefix;
        if (_lastUse.TryGetValue(scoped, out var previous) && ticks - previous <= ttl)
        {
            totals.Reads++;
            totals.ReadNanos += read;
            totals.PrefixTokens += record.PrefixTokens;
        }
        else
        {
            totals.Writes++;
            totals.PremiumNanos += premium;
        }

        _lastUse[scoped] = ticks;
        _expiry.Enqueue((ticks, scoped));
    }

    public IEnumerable<Recommendation> Recommendations(SavingThreshold worth)
    {
        foreach (var (key, totals) in _models)
        {
            if (totals.Reads == 0 || worth(totals.ReadNanos - totals.PremiumNanos, totals.Nanos) is not { } percent)
            {
                continue;
            }

            var explicitCache = key.Provider == "anthropic";
            yield return new Recommendation(
                "prompt_caching", $"Cache the recurring prompt prefixes of {key.Model}",
                new Dictionary<string, string> { ["provider"] = key.Provider, ["model"] = key.Model },
                totals.ReadNanos - totals.PremiumNanos, percent, totals.Writes <= totals.Reads ? "high" : "medium",
                new Dictionary<string, string>
                {
                    ["cache_reads"] = totals.Reads.ToString(CultureInfo.InvariantCulture),
                    ["cache_writes"] = totals.Writes.ToString(CultureInfo.InvariantCulture),
                    ["prefix_tokens_read"] = totals.PrefixTokens.ToString(CultureInfo.InvariantCulture),
                    ["read_saving_usd"] = Money.Format(Money.FromNanos(totals.ReadNanos)),
                    ["write_premium_usd"] = Money.Format(Money.FromNanos(totals.PremiumNanos)),
                    ["ttl_minutes"] = ((long)options.PromptCacheTtl.TotalMinutes).ToString(CultureInfo.InvariantCulture),
                    ["actual_usd"] = Money.Format(Money.FromNanos(totals.Nanos)),
                },
                explicitCache
                    ? "mark the end of the stable part (tools, system prompt, leading documents) with \"cache_control\": {\"type\": \"ephemeral\"} so repeats within 5 minutes read it from the cache"
                    : $"keep the stable part (tools, system prompt, leading messages) first and byte-identical across calls, and send the same \"prompt_cache_key\" for calls sharing it, so {key.Provider} serves it from its prompt cache");
        }
    }

    /// <summary>What one read saves and one write costs extra for this record's prefix, at its day's prices (cached per prefix length and day).</summary>
    private (long Read, long Premium) Rates(UsageRecord record)
    {
        var tokens = record.PrefixTokens;
        var key = (record.Provider, record.Model, tokens, record.Timestamp.UtcTicks / TimeSpan.TicksPerDay);
        if (_rates.TryGetValue(key, out var rates))
        {
            return rates;
        }

        var plain = Nanos(new Usage { InputTokens = tokens });
        var read = Nanos(new Usage { InputTokens = tokens, CacheReadTokens = tokens });
        var write = Nanos(new Usage { InputTokens = tokens, CacheWriteTokens = tokens });
        rates = (plain is { } p && read is { } r ? Math.Max(0, p - r) : 0, plain is { } p2 && write is { } w ? Math.Max(0, w - p2) : 0);
        _rates[key] = rates;
        return rates;

        long? Nanos(Usage usage) =>
            pricing.CalculateTotal(record.Provider, record.Model, usage, record.Timestamp) is { Priced: true } cost ? Money.ToNanos(cost.TotalCost) : null;
    }

    private sealed class Totals
    {
        public long Nanos;
        public long Reads;
        public long Writes;
        public long ReadNanos;
        public long PremiumNanos;
        public long PrefixTokens;
    }
}
