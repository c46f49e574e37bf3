using System.Globalization;
using Tollgate.Analytics;
using Tollgate.Costing;
using Tollgate.Ledger;
using Tollgate.Routing;

namespace Tollgate.Savings;

/// <summary>
/// Finds savings in a period's records by repricing them (docs/recommendations.md has the formulas):
/// <c>cheaper_model</c> (a model of at least the same quality tier and capabilities, on a provider in use),
/// <c>cheaper_provider</c> (the same model through another provider in use), <c>batch</c> (non-urgent traffic on a
/// provider with a batch discount), and — from the fingerprints and times of the calls, by the <see cref="ISavingFinder"/>s —
/// <c>response_cache</c>, <c>prompt_caching</c> and <c>off_peak</c>. Two passes over the records: sums per group choose the
/// candidates, then each record is priced on them at its own time.
/// </summary>
public sealed class RecommendationEngine(ICostCalculator pricing, CapabilityCatalog capabilities, RecommendationOptions? options = null)
{
    private readonly RecommendationOptions _options = options ?? new RecommendationOptions();

    public async ValueTask<AnalyticsOutcome<IReadOnlyList<Recommendation>>> RecommendAsync(ILedgerStore ledger, LedgerFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.From > filter.To)
        {
            return AnalyticsOutcome<IReadOnlyList<Recommendation>>.Fail("from is after to: swap them");
        }

        if (await LedgerRetention.RawRangeProblemAsync(ledger, filter, cancellationToken) is { } purged)
        {
            return AnalyticsOutcome<IReadOnlyList<Recommendation>>.Fail(purged);
        }

        var groups = new Dictionary<ProviderModelKey, Group>();
        var batch = new Dictionary<string, (long Requests, long Nanos)>(StringComparer.Ordinal);
        ISavingFinder[] finders = [new ResponseCacheFinder(_options), new PromptCacheFinder(_options, pricing), new OffPeakFinder(pricing, IsNonUrgent)];
        await foreach (var record in LedgerTimeOrder.ReadAsync(ledger, filter, cancellationToken))
        {
            if (record.Unpriced || record.Estimated || !string.Equals(record.Currency, "USD", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var finder in finders)
            {
                finder.Add(record);
            }

            var key = new ProviderModelKey(record.Provider, record.Model);
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = new Group();
            }

            group.Add(record);
            if (IsNonUrgent(record))
            {
                var sum = batch.GetValueOrDefault(record.Provider);
                batch[record.Provider] = (sum.Requests + 1, sum.Nanos + record.TotalCostNanos);
            }
        }

        var providers = _options.Providers ?? [.. groups.Keys.Select(k => k.Provider).Distinct(StringComparer.Ordinal)];
        var alternatives = new Dictionary<ProviderModelKey, List<(string Kind, ProviderModelKey Target)>>();
        foreach (var (key, group) in groups)
        {
            var candidates = Candidates(key, group, providers)
                .Select(c => (c.Kind, c.Target, Cost: pricing.Calculate(c.Target.Provider, c.Target.Model, group.Average(), group.Middle)))
                .Where(c => c.Cost.Priced && Money.ToNanos(c.Cost.TotalCost * group.Requests) < group.Nanos)
                .OrderBy(c => c.Cost.TotalCost).Take(_options.CandidatesPerGroup)
                .Select(c => (c.Kind, c.Target)).ToList();
            if (candidates.Count > 0)
            {
                alternatives[key] = candidates;
            }
        }

        // Second pass: each record of a group with candidates priced on each of them at its own time (a narrow scan
        // in parallel slices: neither order nor fingerprints matter here).
        Dictionary<ProviderModelKey, long[]> NoSums() => alternatives.ToDictionary(a => a.Key, a => new long[a.Value.Count]);
        var repriced = NoSums();
        if (alternatives.Count > 0)
        {
            var (parts, error) = await new LedgerAnalytics(ledger).FoldRecordsAsync(new BreakdownQuery { Filter = filter },
                NoSums, (part, _, record) =>
                {
                    if (record.Unpriced || record.Estimated || !string.Equals(record.Currency, "USD", StringComparison.Ordinal)
                        || !alternatives.TryGetValue(new ProviderModelKey(record.Provider, record.Model), out var targets))
                    {
                        return;
                    }

                    var sums = part[new ProviderModelKey(record.Provider, record.Model)];
                    for (var i = 0; i < targets.Count; i++)
                    {
                        var cost = pricing.CalculateTotal(targets[i].Target.Provider, targets[i].Target.Model, record.Usage, record.Timestamp);
                        sums[i] += cost.Priced ? Money.ToNanos(cost.TotalCost) : record.TotalCostNanos;
                    }
                }, cancellationToken);
            if (error is not null)
            {
                return AnalyticsOutcome<IReadOnlyList<Recommendation>>.Fail(error);
            }

            foreach (var (key, sums) in parts.SelectMany(p => p))
            {
                var total = repriced[key];
                for (var i = 0; i < sums.Length; i++)
                {
                    total[i] += sums[i];
                }
            }
        }

        var found = new List<Recommendation>();
        foreach (var (key, targets) in alternatives)
        {
            var group = groups[key];
            foreach (var kind in new[] { "cheaper_model", "cheaper_provider" })
            {
                var best = targets.Select((t, i) => (t.Kind, t.Target, Nanos: repriced[key][i])).Where(t => t.Kind == kind).OrderBy(t => t.Nanos).FirstOrDefault();
                if (best.Target.Model is not null && Worth(group.Nanos - best.Nanos, group.Nanos) is { } percent)
                {
                    found.Add(kind == "cheaper_model" ? CheaperModel(key, best.Target, group, best.Nanos, percent) : CheaperProvider(key, best.Target, group, best.Nanos, percent));
                }
            }
        }

        foreach (var (provider, (requests, nanos)) in batch)
        {
            if (_options.BatchDiscounts.FirstOrDefault(b => string.Equals(b.Provider, provider, StringComparison.OrdinalIgnoreCase)) is { } discount
                && Money.ToNanos(Money.FromNanos(nanos) * discount.Percent / 100m) is var saving && Worth(saving, nanos) is { } percent)
            {
                found.Add(new Recommendation(
                    "batch", $"Send {provider}'s non-urgent calls through its Batch API ({discount.Percent.ToString(CultureInfo.InvariantCulture)} % off)",
                    new Dictionary<string, string> { ["provider"] = provider, ["traffic"] = "non-urgent: " + string.Join(", ", [.. _options.NonUrgentTags, .. _options.NonUrgentKeys.Select(k => "key " + k)]) },
                    saving, percent, "high",
                    new Dictionary<string, string>
                    {
                        ["requests"] = requests.ToString(CultureInfo.InvariantCulture),
                        ["actual_usd"] = Money.Format(Money.FromNanos(nanos)),
                        ["batch_discount_percent"] = discount.Percent.ToString(CultureInfo.InvariantCulture),
                    },
                    $"submit these calls as a {provider} batch job (results within 24 h) instead of one request each"));
            }
        }

        foreach (var finder in finders)
        {
            found.AddRange(finder.Recommendations(Worth));
        }

        return AnalyticsOutcome<IReadOnlyList<Recommendation>>.Ok([.. found.OrderByDescending(r => r.SavingNanos).ThenBy(r => r.Kind, StringComparer.Ordinal)]);
    }

    private IEnumerable<(string Kind, ProviderModelKey Target)> Candidates(ProviderModelKey key, Group group, IReadOnlyList<string> providers)
    {
        foreach (var provider in providers.Where(p => !string.Equals(p, key.Provider, StringComparison.Ordinal)))
        {
            yield return ("cheaper_provider", new ProviderModelKey(provider, key.Model));
        }

        if (capabilities.Find(key.Provider, key.Model) is not { } current)
        {
            yield break;
        }

        foreach (var other in capabilities.Models)
        {
            if (other.Model != key.Model && other.Mode == current.Mode && other.QualityTier >= current.QualityTier
                && (!current.Vision || other.Vision) && (!current.Tools || other.Tools) && (!current.JsonSchema || other.JsonSchema)
                && (other.ContextWindow is not { } window || window >= group.LargestInput)
                && providers.Contains(other.Provider, StringComparer.Ordinal))
            {
                yield return ("cheaper_model", other.Key);
            }
        }
    }

    private decimal? Worth(long savingNanos, long actualNanos)
    {
        if (actualNanos <= 0 || savingNanos <= 0)
        {
            return null;
        }

        var percent = Math.Round(savingNanos * 100m / actualNanos, 2, MidpointRounding.ToEven);
        return Money.FromNanos(savingNanos) >= _options.MinimumSavingUsd && percent >= _options.MinimumSavingPercent ? percent : null;
    }

    private bool IsNonUrgent(UsageRecord record) =>
        (record.KeyId is { } id && _options.NonUrgentKeys.Contains(id, StringComparer.Ordinal))
        || _options.NonUrgentTags.Any(t => t.Split('=', 2) is [var k, var v] && record.Tags.TryGetValue(k, out var value) && value == v);

    private Recommendation CheaperModel(ProviderModelKey from, ProviderModelKey to, Group group, long alternativeNanos, decimal percent)
    {
        var tier = capabilities.Find(to.Provider, to.Model)?.QualityTier;
        return new Recommendation(
            "cheaper_model", $"Use {to.Model} instead of {from.Model}",
            new Dictionary<string, string> { ["provider"] = from.Provider, ["model"] = from.Model },
            group.Nanos - alternativeNanos, percent, "medium",
            Evidence(group, alternativeNanos, to, ("quality_tier", tier?.ToString(CultureInfo.InvariantCulture) ?? "?"), ("from_quality_tier", capabilities.Find(from.Provider, from.Model)?.QualityTier.ToString(CultureInfo.InvariantCulture) ?? "?")),
            $"send \"model\": \"{to.Provider}/{to.Model}\" for these calls (same or higher quality tier, same capabilities); try it on a sample first");
    }

    private static Recommendation CheaperProvider(ProviderModelKey from, ProviderModelKey to, Group group, long alternativeNanos, decimal percent) => new(
        "cheaper_provider", $"Call {from.Model} through {to.Provider} instead of {from.Provider}",
        new Dictionary<string, string> { ["provider"] = from.Provider, ["model"] = from.Model },
        group.Nanos - alternativeNanos, percent, "high",
        Evidence(group, alternativeNanos, to),
        $"send \"model\": \"{to.Provider}/{from.Model}\", or POST /admin/providers/{to.Provider}/prefer");

    private static Dictionary<string, string> Evidence(Group group, long alternativeNanos, ProviderModelKey to, params (string Key, string Value)[] extra)
    {
        var evidence = new Dictionary<string, string>
        {
            ["requests"] = group.Requests.ToString(CultureInfo.InvariantCulture),
            ["input_tokens"] = group.Usage.InputTokens.ToString(CultureInfo.InvariantCulture),
            ["output_tokens"] = group.Usage.OutputTokens.ToString(CultureInfo.InvariantCulture),
            ["actual_usd"] = Money.Format(Money.FromNanos(group.Nanos)),
            ["alternative"] = $"{to.Provider}/{to.Model}",
            ["alternative_usd"] = Money.Format(Money.FromNanos(alternativeNanos)),
        };
        foreach (var (key, value) in extra)
        {
            evidence[key] = value;
        }

        return evidence;
    }

    /// <summary>
    /// The sums of one provider/model's records: the first pass ranks candidates by the price of the average call (not of
    /// the summed usage, which would reach long-context price tiers no single call reached).
    /// </summary>
    private sealed class Group
    {
        private long _firstTicks = long.MaxValue;
        private long _lastTicks = long.MinValue;

        public Usage Usage { get; } = new();

        public long Requests { get; private set; }

        public long Nanos { get; private set; }

        public long LargestInput { get; private set; }

        public DateTimeOffset Middle => new(_firstTicks + ((_lastTicks - _firstTicks) / 2), TimeSpan.Zero);

        public Usage Average()
        {
            var average = new Usage();
            foreach (var (unit, count) in Usage.NonZero())
            {
                average.Set(unit, count / Requests);
            }

            return average;
        }

        public void Add(UsageRecord record)
        {
            Usage.Add(record.Usage);
            Requests++;
            Nanos += record.TotalCostNanos;
            LargestInput = Math.Max(LargestInput, record.Usage.InputTokens);
            _firstTicks = Math.Min(_firstTicks, record.Timestamp.UtcTicks);
            _lastTicks = Math.Max(_lastTicks, record.Timestamp.UtcTicks);
        }
    }
}
